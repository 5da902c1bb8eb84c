/**
 * A real analytics SDK's 300-item flush against the local stack (one test file per SDK: the matcher's
 * backlog of 300 events would delay every test after it in the same file).
 *
 * 300 tracks of one account in one flush, each with its own messageId (the SDK's), of an event no other
 * test sends, which starts a moment: every item is accepted as a track (the source's debugger counts
 * 300 more accepted, none rejected), and the tracks reach the matcher for the right account (the moment
 * starts once for it). That all 300 are matched is not waited for: the local matcher takes 5-7 events/s
 * on a 2-core machine at load average 24 (42-65 s for 300), more than a test may take.
 */
import { expect } from "vitest";
import type { Scenario } from "./scenario.js";
import { unique } from "./scenario.js";
import { waitFor } from "./wait-for.js";

/** One track of the flush, as both SDKs take it. */
export interface BulkTrack {
  userId: string;
  event: string;
  properties: { row: number };
  context: { groupId: string };
}

export const FLUSH_ITEMS = 300;

export async function expectFlushOf300(
  scenario: Scenario,
  send: (track: (i: number) => BulkTrack) => Promise<void>,
): Promise<void> {
  const accountId = unique("acct-300");
  const userId = unique("user-300");
  const event = unique("bulk_exported");
  const momentId = await scenario.runningMoment({
    name: `Bulk ${event}`,
    goal: "activate",
    start: { event },
    steps: [],
  });
  const debuggerCounts = async () =>
    (
      await scenario.admin<{ counts: { accepted: number; rejected: number } }>(
        "GET",
        `/v1/admin/sources/${scenario.sourceId}/debugger`,
      )
    ).body.counts;
  const before = await debuggerCounts();
  await send((i) => ({ userId, event, properties: { row: i }, context: { groupId: accountId } }));

  const after = await debuggerCounts();
  // 300 or more: an SDK that timed out on a slow machine resends the batch, counted again.
  expect(after.accepted - before.accepted).toBeGreaterThanOrEqual(FLUSH_ITEMS);
  expect(after.rejected).toBe(before.rejected);
  const starts = await waitFor(
    async () => {
      const view = await scenario.admin<{ decisions: Array<{ momentId: string; outcome: string }> }>(
        "GET",
        `/v1/admin/accounts/${encodeURIComponent(accountId)}`,
      );
      const started = (view.body.decisions ?? []).filter(
        (d) => d.momentId === momentId && d.outcome === "started",
      );
      return view.status === 200 && started.length > 0 ? started : undefined;
    },
    { timeoutMs: 15_000, description: `a track of the flush to start the moment for ${accountId}` },
  );
  expect(starts).toHaveLength(1);
}
