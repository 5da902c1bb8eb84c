import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachedBuild } from "../../../infra/build-cache.js";

const scratch = mkdtempSync(path.join(tmpdir(), "moments-build-cache-test-"));
const input = path.join(scratch, "input.txt");
const key = `build-cache test ${randomUUID()}`;
const dirs = new Set<string>();
let builds = 0;

/** A "build" that copies its input, as esbuild reads sources and writes outputs. */
async function copy(): Promise<string> {
  const { dir } = await cachedBuild(key, (outdir) => {
    builds++;
    writeFileSync(path.join(outdir, "out.txt"), readFileSync(input));
    return { inputs: [input], data: null };
  });
  dirs.add(dir);
  return readFileSync(path.join(dir, "out.txt"), "utf8");
}

/** Writes the input with a modification time in the past (a file edited a while ago). */
function edit(text: string, minutesAgo: number) {
  writeFileSync(input, text);
  const when = new Date(Date.now() - minutesAgo * 60_000);
  utimesSync(input, when, when);
}

afterAll(() => {
  for (const dir of [...dirs, scratch]) rmSync(dir, { recursive: true, force: true });
});

describe("cachedBuild", () => {
  it("builds once, then reuses the outputs while the inputs are unchanged", async () => {
    edit("one", 60);
    expect(await copy()).toBe("one");
    expect(await copy()).toBe("one");
    expect(builds).toBe(1);
  });

  it("builds again when an input changed, into a folder of its own", async () => {
    const before = [...dirs];
    edit("two!", 30);
    expect(await copy()).toBe("two!");
    expect(builds).toBe(2);
    expect(dirs.size).toBe(before.length + 1);
    // Same size, other modification time: still a change.
    edit("thre", 20);
    expect(await copy()).toBe("thre");
    expect(builds).toBe(3);
  });

  it("keeps no entry for an input modified as it was read: the next call builds again", async () => {
    writeFileSync(input, "fresh");
    expect(await copy()).toBe("fresh");
    expect(await copy()).toBe("fresh");
    expect(builds).toBe(5);
  });
});
