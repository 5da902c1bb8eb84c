/**
 * Counts a container holds in memory are written when it shuts down, not lost: the matcher's
 * observed-event counts and the ingest debugger's accepted counts, held for up to 10 s between
 * writes, are written when the local stack stops (as Lambda's SIGTERM makes the deployed functions
 * write them). A stack on a data dir is stopped right after the traffic, then a second stack on the
 * same data reads what was written.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requestsSignedAs } from "../../infra/local/caller.js";
import { type LocalStack, startLocalStack } from "../../infra/local/stack.js";
import { generateApiKey } from "../../shared/domain/api-keys.js";
import { apiClient } from "../support/local-api.js";

const dataDir = mkdtempSync(join(tmpdir(), "moments-shutdown-"));
const adminKey = generateApiKey("admin");
let stack: LocalStack | undefined;

const start = () => startLocalStack({ port: 0, timeScale: 0, logLevel: "CRITICAL", adminKey, dataDir });

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("stopping the local stack", () => {
  it("writes the observed-event and debugger counts its functions held", async () => {
    // Prepare: a source, and two events of one name through it. The first of each is written at
    // once (a new name, a quiet source); the second is held, to be written 10 s later.
    stack = await start();
    let api = apiClient(stack.apiUrl);
    const source = await api<{ id: string; writeKey: string }>("POST", "/v1/admin/sources", {
      key: adminKey,
      body: { name: "Web app" },
    });
    expect(source.status).toBe(201);
    for (const n of [1, 2]) {
      const sent = await api("POST", "/v1/events", {
        key: source.body.writeKey,
        body: { event: "report_exported", accountId: "acct_1", messageId: `held-${n}` },
      });
      expect(sent.status).toBe(202);
    }
    const drained = await stack.drain(30_000);
    expect(drained.drained).toBe(true);

    // Act: stop at once, then read on a stack over the same data
    const signedBefore = requestsSignedAs();
    await stack.stop();
    const signedAtStop = requestsSignedAs();
    stack = await start();
    api = apiClient(stack.apiUrl);

    // Assess
    const observed = await api<{ items: Array<{ name: string; count: number }> }>(
      "GET",
      "/v1/admin/observed-events",
      { key: adminKey },
    );
    expect.soft(observed.body.items.find((item) => item.name === "report_exported")?.count).toBe(2);
    const debug = await api<{ counts: { accepted: number; rejected: number } }>(
      "GET",
      `/v1/admin/sources/${source.body.id}/debugger`,
      { key: adminKey },
    );
    expect(debug.body.counts).toEqual({ accepted: 2, rejected: 0 });
    // Written by each function as itself (its role's grants checked, as on AWS): one write each.
    expect((signedAtStop.match ?? 0) - (signedBefore.match ?? 0)).toBe(1);
    expect((signedAtStop.ingest ?? 0) - (signedBefore.ingest ?? 0)).toBe(1);
  });
});
