/**
 * Builds the console (functions/console/app) into a folder the console function serves: hashed,
 * minified ES modules and CSS under `assets/` (cached for good by browsers), and `index.html`
 * naming them (never cached). Run by the local runtime at start, by the CDK app while bundling the
 * console function, and by the bench: nothing built is committed.
 *
 * No aws-cdk-lib import here: the local runtime and the bench must not pay for loading the CDK.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync, type Metafile } from "esbuild";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const consoleEntry = path.join(projectRoot, "functions/console/app/main.tsx");
/** Where the console is served: the app's router and the asset URLs are relative to it. */
export const CONSOLE_BASE_PATH = "/console";

export interface ConsoleBuild {
  outdir: string;
  /** The entry's script and stylesheet, relative to `outdir` ("assets/app-XXXX.js"). */
  script: string;
  stylesheet: string | undefined;
  metafile: Metafile;
}

/**
 * esbuild settings of the console: browser ES modules split per page, for current browsers.
 * Synchronous (a few hundred ms): the CDK app builds it while generating its bundling commands.
 */
export function buildConsole(outdir: string): ConsoleBuild {
  rmSync(outdir, { recursive: true, force: true });
  const assets = path.join(outdir, "assets");
  const result = buildSync({
    entryPoints: { app: consoleEntry },
    absWorkingDir: projectRoot,
    outdir: assets,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome111", "firefox114", "safari16.4"],
    minify: true,
    sourcemap: false,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[name]-[hash]",
    assetNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "error",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const outputs = Object.entries(result.metafile.outputs);
  const relative = (file: string) =>
    path.relative(outdir, path.resolve(projectRoot, file)).split(path.sep).join("/");
  const script = outputs.find(([, o]) => o.entryPoint?.endsWith("main.tsx"));
  if (!script) throw new Error("The console build produced no entry script");
  const cssFile = script[1].cssBundle;
  const built: ConsoleBuild = {
    outdir,
    script: relative(script[0]),
    stylesheet: cssFile ? relative(cssFile) : undefined,
    metafile: result.metafile,
  };
  mkdirSync(outdir, { recursive: true });
  writeFileSync(path.join(outdir, "index.html"), indexHtml(built));
  return built;
}

/** Where the built console sits in the console function's code root (/var/task on Lambda). */
export const CONSOLE_ASSETS_SUBDIR = "console-assets";

let builtForSynth: string | undefined;

/**
 * The console built once per process into a temporary folder, for the CDK app to copy beside the
 * console function's bundle (a `cp`, instead of a build per synth in a child process).
 */
export function consoleBuildForSynth(): string {
  if (!builtForSynth) {
    builtForSynth = path.join(mkdtempSync(path.join(tmpdir(), "moments-console-synth-")), "console");
    buildConsole(builtForSynth);
  }
  return builtForSynth;
}

/** The one page: no inline script or style (the CSP allows none), the app mounts into #app. */
export function indexHtml(built: Pick<ConsoleBuild, "script" | "stylesheet">): string {
  const url = (file: string) => `${CONSOLE_BASE_PATH}/${file}`;
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>Moments console</title>",
    built.stylesheet ? `<link rel="stylesheet" href="${url(built.stylesheet)}">` : "",
    `<script type="module" src="${url(built.script)}"></script>`,
    "</head>",
    '<body><div id="app"><p class="boot">Loading the Moments console…</p></div></body>',
    "</html>",
    "",
  ]
    .filter(Boolean)
    .join("\n");
}

/**
 * The console function's after-bundling commands: copy the console, built once per process, beside
 * its bundle. Built only when bundling runs (not for synths that skip it).
 */
export function copyConsoleAssets(outputDir: string): string[] {
  return [`cp -R "${consoleBuildForSynth()}" "${path.join(outputDir, CONSOLE_ASSETS_SUBDIR)}"`];
}
