/**
 * The CPU profile summary (test/bench/cpu-profile.ts) and the profiling flags the local runtime's
 * threads inherit: what the bench's account of the local stack's CPU per event is built on.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { profilingFlags } from "../../../infra/local/thread.js";
import { componentsOf } from "../../bench/cpu-profile.js";

const frame = (id: number, functionName: string, url: string, children: number[] = [], at = [0, 0]) => ({
  id,
  callFrame: { functionName, url, lineNumber: at[0] ?? 0, columnNumber: at[1] ?? 0 },
  children,
});

const dir = mkdtempSync(join(tmpdir(), "moments-cpu-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("componentsOf", () => {
  it("gives each busy sample to the innermost frame of a known component, and skips idle time", () => {
    const profile = {
      nodes: [
        frame(1, "(root)", "", [2, 6, 7]),
        frame(2, "send", "file:///app/node_modules/@smithy/core/dist-cjs/submodules/client/index.js", [3, 5]),
        frame(3, "signRequest", "file:///app/node_modules/@smithy/signature-v4/dist-cjs/index.js", [4]),
        // A Node internal under the signer: still the signer's.
        frame(4, "digest", "node:internal/crypto/hash"),
        frame(5, "writev", ""),
        frame(6, "(idle)", ""),
        frame(7, "(garbage collector)", ""),
      ],
      samples: [3, 4, 5, 2, 6, 7],
      timeDeltas: [1000, 1000, 1000, 1000, 5000, 1000],
    };
    const { busyMs, components } = componentsOf(profile);
    expect(busyMs).toBe(5);
    expect(Object.fromEntries(components.map((c) => [c.component, c.ms]))).toEqual({
      "SigV4 signing and payload hashing (SDK)": 2,
      "Node HTTP, sockets and streams": 1,
      "SDK middleware and the rest of the SDK": 1,
      "GC (on the thread itself)": 1,
    });
    expect(components[0]).toMatchObject({ component: "SigV4 signing and payload hashing (SDK)", share: 0.4 });
  });
});

describe("componentsOf, on a thread's compiled chunks", () => {
  it("classifies a frame by the source its chunk's source map names, packages bundled in or not", async () => {
    // As infra/local/thread.ts builds a functions thread: a package bundled into a chunk of ours.
    mkdirSync(join(dir, "node_modules/zod"), { recursive: true });
    mkdirSync(join(dir, "shared"));
    writeFileSync(
      join(dir, "node_modules/zod/index.js"),
      "export function safeParse(value) {\n  return typeof value === 'string' ? { success: true } : { success: false };\n}\n",
    );
    writeFileSync(
      join(dir, "shared/rules.ts"),
      'import { safeParse } from "zod";\n\nexport function isName(value: unknown): boolean {\n  return safeParse(value).success;\n}\n',
    );
    const outdir = join(dir, "node_modules/.cache/moments-builds/test");
    await build({
      entryPoints: [join(dir, "shared/rules.ts")],
      outdir,
      entryNames: "chunk-[hash]",
      bundle: true,
      format: "esm",
      platform: "node",
      outExtension: { ".js": ".mjs" },
      sourcemap: true,
      sourcesContent: false,
      absWorkingDir: dir,
      logLevel: "silent",
    });
    const chunk = readdirSync(outdir).find((name) => name.endsWith(".mjs")) ?? "";
    const lines = readFileSync(join(outdir, chunk), "utf8").split("\n");
    /** Where V8 places a function of the chunk: its 0-based line and column. */
    const start = (name: string) => {
      const line = lines.findIndex((text) => text.includes(`function ${name}(`));
      return [line, lines[line]?.indexOf("function") ?? -1];
    };
    const url = pathToFileURL(join(outdir, chunk)).href;
    const profile = {
      nodes: [
        frame(1, "(root)", "", [2]),
        frame(2, "isName", url, [3], start("isName")),
        frame(3, "safeParse", url, [], start("safeParse")),
      ],
      samples: [2, 3, 3],
      timeDeltas: [1000, 1000, 1000],
    };
    const { components } = componentsOf(profile);
    expect(Object.fromEntries(components.map((c) => [c.component, c.ms]))).toEqual({
      zod: 2,
      "Moments code (shared/, functions/)": 1,
    });
  });
});

describe("profilingFlags", () => {
  it("passes --cpu-prof and its options on to a thread, with their values, and nothing else", () => {
    expect(profilingFlags(["--import", "tsx", "--expose-gc"])).toEqual([]);
    expect(profilingFlags(["--cpu-prof", "--cpu-prof-dir=/tmp/p", "--import", "tsx"])).toEqual([
      "--cpu-prof",
      "--cpu-prof-dir=/tmp/p",
    ]);
    expect(profilingFlags(["--cpu-prof", "--cpu-prof-dir", "/tmp/p", "--expose-gc"])).toEqual([
      "--cpu-prof",
      "--cpu-prof-dir",
      "/tmp/p",
    ]);
  });
});
