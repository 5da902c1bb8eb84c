/**
 * Builds the in-app widget (shared/widget) for browsers: `widget.js` (a script tag: sets
 * window.Moments) and `widget.mjs` (an ES module for bundlers). One definition used by the CDK app
 * (the inbox function's asset), the local runtime, the tests and
 * the bench, so what we measure and test is what we ship. Nothing built is committed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, buildSync } from "esbuild";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Browsers the widget supports: what shadow DOM, fetch keepalive and optional chaining need. */
export const widgetTarget = ["chrome100", "firefox100", "safari15.4", "edge100"];

/** The folder of the inbox function's asset the widget is built into. */
export const WIDGET_ASSET_DIR = "widget";

/** The budget: at most 12 KB gzipped. */
export const widgetBudgetGzipBytes = 12 * 1024;

export const widgetFiles = {
  "widget.js": { entry: "shared/widget/global.ts", format: "iife" },
  "widget.mjs": { entry: "shared/widget/index.ts", format: "esm" },
} as const;
export type WidgetFile = keyof typeof widgetFiles;

function options(file: WidgetFile): BuildOptions & { write: false } {
  const { entry, format } = widgetFiles[file];
  return {
    entryPoints: [path.join(projectRoot, entry)],
    bundle: true,
    format,
    target: widgetTarget,
    minify: true,
    write: false,
    legalComments: "none",
    logLevel: "error",
  };
}

const files = Object.keys(widgetFiles) as WidgetFile[];

/** Both files' contents, built in memory. */
export async function buildWidget(): Promise<Record<WidgetFile, string>> {
  const built = await Promise.all(
    files.map(async (file) => [file, (await build(options(file))).outputFiles[0]?.text ?? ""] as const),
  );
  return Object.fromEntries(built) as Record<WidgetFile, string>;
}

/**
 * Builds into a folder (the local runtime's, or one the CDK app copies into the inbox function's
 * asset). Synchronous, so a construct can call it: it takes some 50 ms. Answers the source files it
 * read (absolute paths).
 */
export function writeWidget(outdir: string): string[] {
  mkdirSync(outdir, { recursive: true });
  const inputs = new Set<string>();
  for (const file of files) {
    const result = buildSync({ ...options(file), metafile: true });
    writeFileSync(path.join(outdir, file), result.outputFiles[0]?.text ?? "");
    for (const input of Object.keys(result.metafile.inputs)) inputs.add(path.resolve(input));
  }
  return [...inputs];
}
