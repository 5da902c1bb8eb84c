/**
 * What a cold start loads, by function: the files index.mjs imports statically (not the chunks
 * behind a dynamic import). esbuild keeps every module-level zod call of a module that is imported,
 * so a function that imports a schema module for one helper builds all its schemas at cold start;
 * these guard the splits that keep them out (shared/domain/moment-rules.ts, durations.ts,
 * operator-workspace.ts, page-limit.ts, use-cases/moment-lookup.ts).
 */
import path from "node:path";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { esbuildBuildOptions, handlerFile } from "../../infra/bundling.js";
import { type FunctionId, functions } from "../../shared/contracts/functions.js";

const root = path.resolve(import.meta.dirname, "../..");

/** The inputs of the files a cold start of `id` reads. */
async function loadedInputs(id: FunctionId): Promise<string[]> {
  const outdir = path.join(root, "cdk.out", "bundle-contents-test", id);
  const { metafile } = await build({
    ...esbuildBuildOptions(path.join(root, functions[id].entry), outdir),
    absWorkingDir: root,
    metafile: true,
    write: false,
    logLevel: "error",
  });
  const outputs = (metafile as Metafile).outputs;
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of outputs[file]?.imports ?? [])
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
  };
  visit(path.relative(root, path.join(outdir, handlerFile)));
  return [...seen].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {}));
}

describe("what a cold start loads", () => {
  it("the matcher, run-state and the inbox: no schema of moments or actions", async () => {
    for (const id of ["match", "run-state", "inbox"] as const) {
      const inputs = await loadedInputs(id);
      expect(
        inputs.filter((input) => /shared\/domain\/(moment|actions|conditions)\.ts$/.test(input)),
      ).toEqual([]);
    }
  });

  it("bootstrap: no zod at all", async () => {
    expect((await loadedInputs("bootstrap")).filter((input) => input.includes("node_modules/zod/"))).toEqual(
      [],
    );
  });
});
