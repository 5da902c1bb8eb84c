/**
 * With MOMENTS_DATA_DIR, `npm start` keeps what it accepted and the runs in flight across a restart:
 * kill -9 while events are still queued and runs wait out a step's delay, then Ctrl-C, which drains
 * what is in flight. Each event is processed exactly once, and every run completes its step once.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../../shared/domain/api-keys.js";
import { apiClient } from "../support/local-api.js";
import { type StackProcess, startStackProcess } from "../support/stack-process.js";
import { waitFor } from "../support/wait-for.js";

const dataDir = mkdtempSync(join(tmpdir(), "moments-restart-"));
const adminKey = generateApiKey("admin");
// An hour is 3.6 s: runs are still waiting for their step when the process is killed.
const env = { MOMENTS_DATA_DIR: dataDir, MOMENTS_ADMIN_KEY: adminKey, MOMENTS_TIME_SCALE: "0.001" };
let running: StackProcess | undefined;

afterAll(async () => {
  await running?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the journals hold open: queued messages and executions still running. */
function openInJournal(file: string, opens: string, key: "id" | "arn"): number {
  const lines = readFileSync(join(dataDir, file), "utf8").split("\n");
  const open = new Set<string>();
  for (const line of lines) {
    if (!line) continue;
    const record = JSON.parse(line) as { t: string; id?: string; arn?: string };
    if (record.t === opens) open.add(String(record[key]));
    else if (record.t !== "checkpoint") open.delete(String(record[key]));
  }
  return open.size;
}

describe("a restart on the same MOMENTS_DATA_DIR", () => {
  it("processes every event answered 202 before a kill -9 and resumes the runs in flight; Ctrl-C drains", async () => {
    running = await startStackProcess(env);
    let api = apiClient(running.apiUrl);
    const admin = (method: string, path: string, body?: unknown) =>
      api<Record<string, unknown>>(method, path, { key: adminKey, ...(body ? { body } : {}) });
    const source = await admin("POST", "/v1/admin/sources", { name: "Web app" });
    const writeKey = String(source.body.writeKey);
    const template = await admin("POST", "/v1/admin/email-templates", {
      name: "Nudge",
      from: "anna@mail.acme.com",
      subject: "Hi {first_name}",
      text: "Hello",
    });
    const moment = await admin("POST", "/v1/admin/moments", {
      name: "Nudge after an hour",
      goal: "convert",
      sourceIds: [source.body.id],
      start: { event: "trial_started" },
      steps: [
        {
          id: "nudge",
          delay: { amount: 1, unit: "hours" },
          action: { type: "send_email", templateId: template.body.id },
        },
      ],
    });
    const momentId = String(moment.body.id);
    expect((await admin("POST", `/v1/admin/moments/${momentId}/status`, { status: "running" })).status).toBe(
      200,
    );

    const send = (i: number) =>
      api("POST", "/v1/events", {
        key: writeKey,
        body: {
          event: "trial_started",
          accountId: `acct_${i}`,
          messageId: `restart-${i}`,
          traits: { first_name: `Ada ${i}`, email: `ada${i}@example.com` },
        },
      });
    const accepted = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i)));
    expect(accepted.map((response) => response.status)).toEqual(Array(20).fill(202));
    await running.signal("SIGKILL");
    // The kill is honest only if it caught work in flight: events still queued (the matcher is far
    // from instant) or, surely, runs waiting out their hour.
    const queued = openInJournal("queue/moments-match.jsonl", "send", "id");
    const runs = openInJournal("step-functions/executions.jsonl", "start", "arn");
    expect(queued + runs).toBeGreaterThan(0);

    running = await startStackProcess(env);
    api = apiClient(running.apiUrl);
    const stats = async () =>
      (await admin("GET", `/v1/admin/moments/${momentId}/stats`)).body as {
        entered: number;
        completed: number;
        steps: Record<string, { executed: number; skipped: number; failed: number }>;
      };
    // On failure, say how far it got and what the server said (a stuck event, not a slow one, is a bug).
    await waitFor(
      async () => {
        const current = await stats();
        if (current.entered !== 20)
          throw new Error(`entered ${current.entered}; server said: ${running?.output().slice(-3000)}`);
        return true;
      },
      { timeoutMs: 60_000, description: "all 20 accepted events to start their run" },
    );

    // Accepted, then Ctrl-C: drained (or kept) and processed once, whatever the timing.
    const late = await Promise.all(Array.from({ length: 5 }, (_, i) => send(20 + i)));
    expect(late.map((response) => response.status)).toEqual(Array(5).fill(202));
    expect(await running.signal("SIGINT")).toBe(0);
    expect(running.output()).toMatch(/SIGINT: no new requests/);
    expect(running.output()).toMatch(
      /Stopped\. Runs waiting for a step or a timeout resume at the next start/,
    );
    // Stopping is not the end of the runs' executions: no status change is published for them.
    expect(running.output()).not.toMatch(/status change not published/);

    running = await startStackProcess(env);
    api = apiClient(running.apiUrl);
    const done = await waitFor(
      async () => {
        const current = await stats();
        return current.completed === 25 && current;
      },
      { timeoutMs: 60_000, description: "every run to send its email and complete" },
    );
    expect(done).toMatchObject({ entered: 25, completed: 25, steps: { nudge: { executed: 25, failed: 0 } } });
    expect(running.output()).not.toMatch(/dead-lettered/);
    expect(await running.signal("SIGINT")).toBe(0);
  }, 400_000);
});
