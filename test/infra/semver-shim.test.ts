/**
 * The bundles' stand-in for `semver` (infra/shims/semver.ts) orders versions as the real package does,
 * and a bundle with tracing on still loads the X-Ray SDK through it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { esbuildBuildOptions, handlerFile } from "../../infra/bundling.js";
import { compare, gte } from "../../infra/shims/semver.js";

/** The real package (a dependency of the X-Ray SDK and the CDK; it ships no types). */
const semver = createRequire(import.meta.url)("semver") as {
  compare(a: string, b: string): number;
  gte(a: string, b: string): boolean;
};

const versions = [
  "0.0.0",
  "0.0.1",
  "0.1.0",
  "1.0.0-0",
  "1.0.0-alpha",
  "1.0.0-alpha.1",
  "1.0.0-alpha.beta",
  "1.0.0-beta",
  "1.0.0-beta.2",
  "1.0.0-beta.11",
  "1.0.0-rc.1",
  "1.0.0",
  "1.0.0+build.5",
  "v1.0.1",
  "2.10.0",
  "2.9.9",
  "8.0.0",
  "22.11.0",
  "22.11.0-nightly20241104",
  process.versions.node,
];

describe("the semver shim of the bundles", () => {
  it("compares every pair of versions as semver does", () => {
    for (const a of versions)
      for (const b of versions) {
        expect([a, b, compare(a, b)]).toEqual([a, b, semver.compare(a, b)]);
        expect([a, b, gte(a, b)]).toEqual([a, b, semver.gte(a, b)]);
      }
  });

  it("throws for what semver calls an invalid version", () => {
    for (const invalid of ["", "1", "1.2", "01.2.3", "1.2.3-", "x.y.z", undefined]) {
      expect(() => semver.gte(invalid as string, "1.0.0")).toThrow(TypeError);
      expect(() => gte(invalid, "1.0.0")).toThrow(/Invalid Version/);
    }
  });

  it("replaces semver in a bundle that loads the Tracer and its X-Ray SDK, which still work", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "moments-semver-shim-"));
    try {
      const root = path.resolve(import.meta.dirname, "../..");
      const result = await build({
        ...esbuildBuildOptions(path.join(root, "shared/observability.ts"), dir),
        absWorkingDir: root,
        metafile: true,
        logLevel: "error",
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs).toContain("infra/shims/semver.ts");
      expect(inputs.filter((input) => /node_modules\/(.*\/)?semver\//.test(input))).toEqual([]);
      const bundle = pathToFileURL(path.join(dir, handlerFile)).href;
      const child = spawnSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const { createObservability } = await import(${JSON.stringify(bundle)});
           console.log(typeof createObservability("bench").tracer?.captureAWSv3Client);`,
        ],
        { encoding: "utf8", env: { PATH: process.env.PATH ?? "", POWERTOOLS_TRACE_ENABLED: "true" } },
      );
      expect(child.stderr).toBe("");
      expect(child.stdout.trim()).toBe("function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
