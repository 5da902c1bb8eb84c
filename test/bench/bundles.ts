/**
 * `npm run bench`: bundles every function with the exact esbuild settings the CDK app uses
 * (infra/bundling.ts) and prints, per function, the bundle size, how much of it is the AWS SDK,
 * the gzipped size and the cold import time. It prints figures; it asserts nothing.
 *
 * Cold import = median of N fresh `node` processes that each time one `import()` of the bundle,
 * with the function's environment variables set to dummy values, as Lambda's init phase would.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { bundleBudgetBytes, esbuildBuildOptions, esbuildSettings } from "../../infra/bundling.js";
import { buildWidget, widgetBudgetGzipBytes, widgetTarget, writeWidget } from "../../infra/widget-build.js";
import {
  Env,
  type EnvName,
  type FunctionId,
  functionIds,
  functions,
} from "../../shared/contracts/functions.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const IMPORT_RUNS = 5;
const SDK_INPUT = /(^|\/)node_modules\/@(aws-sdk|smithy)\//;

/** Dummy but well-formed values: handlers validate their environment at cold start. */
const dummyEnv: Record<EnvName, string> = {
  [Env.tableName]: "moments-bench",
  [Env.eventBusName]: "moments-bench",
  [Env.stateMachineArn]: "arn:aws:states:us-east-1:123456789012:stateMachine:moments-bench",
  [Env.timeScale]: "1",
  [Env.sesConfigurationSet]: "moments-bench",
  [Env.slackApiBaseUrl]: "https://slack.com/api",
  [Env.slackWebhookBaseUrl]: "https://hooks.slack.com",
  [Env.attioApiBaseUrl]: "https://api.attio.com",
  [Env.webhookAllowLoopback]: "false",
  [Env.publicApiUrl]: "https://api.example.com",
  [Env.eventWindowHours]: "72",
  [Env.widgetDir]: "set below, once the widget is built",
};

interface Row {
  id: FunctionId;
  bytes: number;
  sdkBytes: number;
  /** Bytes per npm package (or "ours" for project code), largest first. */
  packages: Array<[string, number]>;
  gzipBytes: number;
  importMs: number | undefined;
  importError?: string;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function bundle(id: FunctionId, outdir: string) {
  const outfile = path.join(outdir, id, "index.mjs");
  const result = await build({
    entryPoints: [path.join(projectRoot, functions[id].entry)],
    outfile,
    absWorkingDir: projectRoot,
    ...esbuildBuildOptions(),
    metafile: true,
    logLevel: "error",
  });
  return { outfile, metafile: result.metafile as Metafile };
}

/** Bytes each input contributes to the output, split into AWS SDK and the rest. */
function composition(metafile: Metafile, outfile: string) {
  const output = metafile.outputs[path.relative(projectRoot, outfile)];
  if (!output) throw new Error(`esbuild metafile has no output ${outfile}`);
  let sdkBytes = 0;
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (SDK_INPUT.test(input)) sdkBytes += bytesInOutput;
    const parts = input.split("node_modules/").at(-1)?.split("/") ?? [];
    const name = !input.includes("node_modules/")
      ? "ours"
      : parts[0]?.startsWith("@")
        ? `${parts[0]}/${parts[1]}`
        : (parts[0] ?? "?");
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return { sdkBytes, packages: [...byPackage.entries()].sort((a, b) => b[1] - a[1]) };
}

function coldImportMs(id: FunctionId, file: string): { ms?: number; error?: string } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: `moments-${id}`,
    POWERTOOLS_METRICS_NAMESPACE: "Moments",
    POWERTOOLS_LOG_LEVEL: "INFO",
    ...Object.fromEntries(functions[id].env.map((name) => [name, dummyEnv[name]])),
  };
  const script = [
    "const start = process.hrtime.bigint();",
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    "const ms = Number(process.hrtime.bigint() - start) / 1e6;",
    'process.stdout.write("IMPORT_MS=" + ms + "\\n");',
  ].join("\n");
  const samples: number[] = [];
  for (let run = 0; run < IMPORT_RUNS; run++) {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env,
      cwd: path.dirname(file),
      encoding: "utf8",
      timeout: 30_000,
    });
    const match = /IMPORT_MS=([\d.]+)/.exec(child.stdout ?? "");
    if (child.status !== 0 || !match?.[1]) {
      const reason = (child.stderr || child.error?.message || `exit ${child.status}`).trim().split("\n")[0];
      return { error: reason ?? "unknown error" };
    }
    samples.push(Number(match[1]));
  }
  return { ms: median(samples) };
}

function table(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

const outdir = mkdtempSync(path.join(tmpdir(), "moments-bench-"));
const rows: Row[] = [];
const notes: string[] = [];
// The inbox function reads the built widget at cold start, as it does from its Lambda asset.
dummyEnv[Env.widgetDir] = path.join(outdir, "widget");
writeWidget(dummyEnv[Env.widgetDir]);
const widget = await buildWidget();
try {
  for (const id of functionIds) {
    const entry = path.join(projectRoot, functions[id].entry);
    if (!existsSync(entry)) {
      notes.push(`${id}: skipped, ${functions[id].entry} does not exist yet`);
      continue;
    }
    const { outfile, metafile } = await bundle(id, outdir);
    const code = readFileSync(outfile);
    const { sdkBytes, packages } = composition(metafile, outfile);
    const imported = coldImportMs(id, outfile);
    rows.push({
      id,
      bytes: code.byteLength,
      sdkBytes,
      packages,
      gzipBytes: gzipSync(code).byteLength,
      importMs: imported.ms,
      ...(imported.error ? { importError: imported.error } : {}),
    });
    if (imported.error) notes.push(`${id}: import failed: ${imported.error}`);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

console.log(
  `Bundles (esbuild ${esbuildSettings.format}, ${esbuildSettings.target}, minify=${esbuildSettings.minify}, ` +
    `AWS SDK bundled, ${esbuildSettings.external.length} lazy modules external); ` +
    `cold import = median of ${IMPORT_RUNS} fresh node ${process.version} processes\n`,
);
table(
  ["function", "bundle KB", "AWS SDK KB", "ours+other KB", "gzip KB", "cold import ms", "budget 250 KB"],
  rows.map((r) => [
    r.id,
    kb(r.bytes),
    kb(r.sdkBytes),
    kb(r.bytes - r.sdkBytes),
    kb(r.gzipBytes),
    r.importMs === undefined ? "failed" : r.importMs.toFixed(1),
    r.bytes <= bundleBudgetBytes ? "met" : "NOT met",
  ]),
);

const over = rows.filter((r) => r.bytes > bundleBudgetBytes);
console.log(
  `\nBudget (${kb(bundleBudgetBytes)} KB minified per function): ` +
    (over.length === 0 ? "met by every function" : `NOT met by ${over.map((r) => r.id).join(", ")}`),
);

// The issue asks for the SDK to be bundled, and the SDK alone (about 200-240 KB of @smithy/core and
// the clients) nearly fills the budget. What we control is everything else, so print that too.
const overWithoutSdk = rows.filter((r) => r.bytes - r.sdkBytes > bundleBudgetBytes);
const largestWithoutSdk = rows.reduce((a, b) => (b.bytes - b.sdkBytes > a.bytes - a.sdkBytes ? b : a));
console.log(
  `Excluding the bundled AWS SDK: ${overWithoutSdk.length === 0 ? "every function is within" : `${overWithoutSdk.map((r) => r.id).join(", ")} over`} ` +
    `the budget (largest: ${largestWithoutSdk.id}, ${kb(largestWithoutSdk.bytes - largestWithoutSdk.sdkBytes)} KB).`,
);
for (const row of rows.filter((r) => r.bytes > 1024)) {
  const top = row.packages
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kb(bytes)}`)
    .join(", ");
  console.log(`  ${row.id.padEnd(9)} largest parts (KB): ${top}`);
}

const withSdk = rows.filter((r) => r.sdkBytes > 0);
const ingest = rows.find((r) => r.id === "ingest");
if (ingest && withSdk.some((r) => r.id === "ingest")) {
  const smallest = withSdk.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  console.log(
    smallest.id === "ingest"
      ? `Ingest is the smallest of the functions that use AWS clients (${withSdk.map((r) => r.id).join(", ")}).`
      : `Ingest is NOT the smallest of the functions that use AWS clients: ${smallest.id} is (${kb(smallest.bytes)} KB vs ${kb(ingest.bytes)} KB).`,
  );
} else {
  console.log("Ingest: not measured, or it bundles no AWS client.");
}

console.log(
  `\nIn-app widget (esbuild, minified, ${widgetTarget.join(" ")}; budget ${kb(widgetBudgetGzipBytes)} KB gzipped)`,
);
table(
  ["file", "minified KB", "gzip KB", "budget"],
  Object.entries(widget).map(([name, text]) => {
    const gzip = gzipSync(text).byteLength;
    return [name, kb(Buffer.byteLength(text)), kb(gzip), gzip <= widgetBudgetGzipBytes ? "met" : "NOT met"];
  }),
);
for (const note of notes) console.log(`Note: ${note}`);
