/**
 * Bundles (section `bundles` of `npm run bench`): bundles every function with the exact esbuild
 * settings the CDK app uses (infra/bundling.ts) and reports, per function, the bundle size, how
 * much of it is the AWS SDK, the gzipped size, and the cold import. It prints figures; it asserts
 * nothing.
 *
 * Cold import = median of N fresh `node` processes that each `import()` the bundle, with the
 * function's environment variables set to dummy values, as Lambda's init phase would. Its CPU is
 * the process's whole CPU time (user + system, node's own start included) next to a bare `node`
 * process started the same way, sampled in turn with it in the same run, so the ratio holds on a
 * busy machine too. The N rounds go round every function (bare node, import with tracing on, with
 * tracing off), so that a burst of load on the machine falls on all of them, not on one.
 *
 * Side by side with the bundles of issue 14's baseline (commit BASELINE_COMMIT, test/bench/targets.ts):
 * its functions/ and shared/ are taken from git, bundled with that commit's own esbuild settings
 * against today's node_modules (the function's dependencies have not changed since: only packages
 * of the console were added), and imported in the same rounds. A clone without that commit (a
 * shallow one) falls back to the baseline's stored figures, and says so.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile } from "esbuild";
import {
  bundleBudgetBytes,
  esbuildBuildOptions,
  esbuildSettings,
  handlerFile,
} from "../../infra/bundling.js";
import { buildConsole } from "../../infra/console/build.js";
import { buildWidget, widgetBudgetGzipBytes, widgetTarget, writeWidget } from "../../infra/widget-build.js";
import {
  Env,
  type EnvName,
  type FunctionId,
  functionIds,
  functions,
} from "../../shared/contracts/functions.js";
import { table } from "./format.js";
import { BASELINE_COMMIT, BASELINE_EXTRA_CPU, baselineExtra, lightestCaller } from "./targets.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const IMPORT_RUNS = 7;
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
  [Env.consoleAssetsDir]: path.join(tmpdir(), "moments-bench-console"),
  [Env.widgetDir]: "set in runBundleBench, once the widget is built",
};

export interface BundleRow {
  id: FunctionId;
  /** Bytes a cold start reads: the handler file and the chunks it imports statically. */
  bytes: number;
  /** How many files that is. */
  files: number;
  /** Every file of the bundle, the chunks behind dynamic imports included. */
  totalBytes: number;
  sdkBytes: number;
  /** Bytes per npm package (or "ours" for project code), largest first. */
  packages: Array<[string, number]>;
  gzipBytes: number;
  importMs: number | undefined;
  /** Median CPU (ms) of a process that imports the bundle, and of a bare node process next to it. */
  importCpuMs: number | undefined;
  bareCpuMs: number | undefined;
  /** The same import with tracing off (POWERTOOLS_TRACE_ENABLED=false, as `-c tracing=off` deploys it). */
  untracedCpuMs: number | undefined;
  importError?: string;
  /**
   * The baseline commit's bundle of this function, imported in the same rounds (tracing on, its
   * default then): its CPU, the bare node next to it, its size. Absent when not measured.
   */
  baseline?:
    | {
        bytes: number;
        cpuMs: number;
        bareCpuMs: number;
        /**
         * Today's extra CPU as a share of the baseline's, round by round (the two imports of a round
         * sampled one after the other, so a burst of load falls on both), each over the bare node
         * start of the whole run (the median of every bare sample); the median over the rounds.
         */
        share: { on: number; off: number };
      }
    | { error: string };
}

export interface BundleReport {
  node: string;
  importRuns: number;
  rows: BundleRow[];
  notes: string[];
  /** How the baseline was measured: side by side in this run, or why not (then the stored figures count). */
  baseline: { commit: string; sideBySide: boolean; note: string };
  /** The in-app widget's files (what GET /v1/widget.js and .mjs serve). */
  widget: Array<{ file: string; bytes: number; gzipBytes: number; budgetGzipBytes: number }>;
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function bundle(id: FunctionId, outdir: string) {
  const dir = path.join(outdir, id);
  const result = await build({
    ...esbuildBuildOptions(path.join(projectRoot, functions[id].entry), dir),
    absWorkingDir: projectRoot,
    metafile: true,
    logLevel: "error",
  });
  return { outfile: path.join(dir, handlerFile), metafile: result.metafile as Metafile };
}

/**
 * The files a cold start reads: the handler file and, transitively, the chunks it imports statically.
 * Chunks behind a dynamic import() (the Tracer with tracing off, the SDK's event streams) are not.
 */
function loadedAtStart(metafile: Metafile, outfile: string, root = projectRoot): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const output = metafile.outputs[file];
    if (!output) throw new Error(`esbuild metafile has no output ${file}`);
    seen.add(file);
    for (const imported of output.imports)
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
  };
  visit(path.relative(root, outfile));
  return [...seen];
}

/** Bytes each input contributes to the files a cold start reads, split into AWS SDK and the rest. */
function composition(metafile: Metafile, files: string[]) {
  let sdkBytes = 0;
  const byPackage = new Map<string, number>();
  for (const file of files) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[file]?.inputs ?? {})) {
      if (SDK_INPUT.test(input)) sdkBytes += bytesInOutput;
      const parts = input.split("node_modules/").at(-1)?.split("/") ?? [];
      const name = !input.includes("node_modules/")
        ? "ours"
        : parts[0]?.startsWith("@")
          ? `${parts[0]}/${parts[1]}`
          : (parts[0] ?? "?");
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return { sdkBytes, packages: [...byPackage.entries()].sort((a, b) => b[1] - a[1]) };
}

/** One fresh node process: the import's wall time and the process's total CPU, or why it failed. */
function sample(script: string, env: Record<string, string>, cwd: string) {
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env,
    cwd,
    encoding: "utf8",
    timeout: 30_000,
  });
  const ms = /IMPORT_MS=([\d.]+)/.exec(child.stdout ?? "")?.[1];
  const cpu = /CPU_MS=([\d.]+)/.exec(child.stdout ?? "")?.[1];
  if (child.status !== 0 || ms === undefined || cpu === undefined) {
    const reason = (child.stderr || child.error?.message || `exit ${child.status}`).trim().split("\n")[0];
    return { error: reason ?? "unknown error" };
  }
  return { ms: Number(ms), cpuMs: Number(cpu) };
}

const report = [
  "const ms = Number(process.hrtime.bigint() - start) / 1e6;",
  "const { user, system } = process.cpuUsage();",
  'process.stdout.write("IMPORT_MS=" + ms + "\\nCPU_MS=" + (user + system) / 1000 + "\\n");',
];

/** What one bundle is imported with; the samples of its rounds. */
interface Subject {
  file: string;
  env: Record<string, string>;
  /** Also imported with tracing off (the baseline is not: it had no such switch). */
  untraced: boolean;
  wall: number[];
  cpu: number[];
  bareCpu: number[];
  untracedCpu: number[];
  error?: string;
}

function subject(id: string, file: string, envNames: readonly string[], untraced: boolean): Subject {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_SERVICE_NAME: `moments-${id}`,
    POWERTOOLS_METRICS_NAMESPACE: "Moments",
    POWERTOOLS_LOG_LEVEL: "INFO",
    POWERTOOLS_TRACE_ENABLED: "true",
    ...Object.fromEntries(envNames.map((name) => [name, dummyEnv[name as EnvName] ?? "bench"])),
  };
  return { file, env, untraced, wall: [], cpu: [], bareCpu: [], untracedCpu: [] };
}

/** One round of one bundle: a bare node, the import with tracing on, then off, in turn. */
function sampleRound(s: Subject): void {
  if (s.error !== undefined) return;
  const importing = [
    "const start = process.hrtime.bigint();",
    `await import(${JSON.stringify(pathToFileURL(s.file).href)});`,
    ...report,
  ].join("\n");
  const bare = ["const start = process.hrtime.bigint();", ...report].join("\n");
  const cwd = path.dirname(s.file);
  const baseline = sample(bare, s.env, cwd);
  const imported = sample(importing, s.env, cwd);
  const untraced = s.untraced
    ? sample(importing, { ...s.env, POWERTOOLS_TRACE_ENABLED: "false" }, cwd)
    : { ms: 0, cpuMs: 0 };
  if (imported.error !== undefined) s.error = imported.error;
  else if (untraced.error !== undefined) s.error = `tracing off: ${untraced.error}`;
  else if (baseline.error !== undefined) s.error = `bare node: ${baseline.error}`;
  else {
    s.wall.push(imported.ms);
    s.cpu.push(imported.cpuMs);
    s.bareCpu.push(baseline.cpuMs);
    s.untracedCpu.push(untraced.cpuMs);
  }
}

/**
 * The baseline commit's functions, bundled with its own esbuild settings into `outdir`, or why not.
 * Its infra/bundling.ts and shared/contracts/functions.ts are imported from the checkout (the bench
 * runs under tsx): the settings and entries of that commit, whatever they were.
 */
async function bundleBaseline(outdir: string): Promise<
  | {
      bundles: Map<string, { file: string; bytes: number; env: readonly string[] }>;
      failed: string[];
    }
  | { error: string }
> {
  const git = (args: string[]) =>
    spawnSync("git", args, { cwd: projectRoot, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  if (git(["cat-file", "-e", `${BASELINE_COMMIT}^{commit}`]).status !== 0)
    return { error: `commit ${BASELINE_COMMIT} is not in this clone (a shallow clone?)` };
  const source = path.join(outdir, "baseline-source");
  mkdirSync(source, { recursive: true });
  const archive = git([
    "archive",
    "--format=tar",
    BASELINE_COMMIT,
    "functions",
    "shared",
    "infra/bundling.ts",
    "package.json",
    "tsconfig.json",
  ]);
  if (archive.status !== 0) return { error: `git archive failed: ${archive.stderr.toString().trim()}` };
  const untar = spawnSync("tar", ["-x", "-C", source], { input: archive.stdout });
  if (untar.status !== 0) return { error: `tar failed: ${untar.stderr.toString().trim()}` };
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(source, "node_modules"), "dir");
  const settings = (await import(pathToFileURL(path.join(source, "infra/bundling.ts")).href)) as {
    esbuildBuildOptions: (...args: string[]) => BuildOptions;
  };
  const contracts = (await import(
    pathToFileURL(path.join(source, "shared/contracts/functions.ts")).href
  )) as {
    functionIds: readonly string[];
    functions: Record<string, { entry: string; env: readonly string[] }>;
  };
  const bundles = new Map<string, { file: string; bytes: number; env: readonly string[] }>();
  const failed: string[] = [];
  for (const id of contracts.functionIds) {
    const definition = contracts.functions[id];
    if (!definition) continue;
    const entry = path.join(source, definition.entry);
    const dir = path.join(outdir, "baseline", id);
    // That commit's options took no arguments and wrote one file; later ones take (entry, outdir).
    const options =
      settings.esbuildBuildOptions.length === 0
        ? { ...settings.esbuildBuildOptions(), entryPoints: [entry], outfile: path.join(dir, handlerFile) }
        : settings.esbuildBuildOptions(entry, dir);
    try {
      const result = await build({ ...options, absWorkingDir: source, metafile: true, logLevel: "silent" });
      const outfile = path.join(dir, handlerFile);
      const loaded = loadedAtStart(result.metafile, outfile, source);
      const bytes = loaded.reduce((sum, file) => sum + readFileSync(path.join(source, file)).byteLength, 0);
      bundles.set(id, { file: outfile, bytes, env: definition.env });
    } catch (error) {
      failed.push(`${id} (${(error as Error).message.split("\n")[0]})`);
    }
  }
  return { bundles, failed };
}

export async function runBundleBench(): Promise<BundleReport> {
  const outdir = mkdtempSync(path.join(tmpdir(), "moments-bench-"));
  const rows: BundleRow[] = [];
  const notes: string[] = [];
  // The console function reads its built page and assets at cold start, as on Lambda.
  buildConsole(dummyEnv[Env.consoleAssetsDir]);
  // The inbox function reads the built widget at cold start, as it does from its Lambda asset.
  dummyEnv[Env.widgetDir] = path.join(outdir, "widget");
  writeWidget(dummyEnv[Env.widgetDir]);
  const widget = Object.entries(await buildWidget()).map(([file, text]) => ({
    file,
    bytes: Buffer.byteLength(text),
    gzipBytes: gzipSync(text).byteLength,
    budgetGzipBytes: widgetBudgetGzipBytes,
  }));
  let baselineNote: BundleReport["baseline"];
  try {
    const built: Array<{
      row: Omit<BundleRow, "importMs" | "importCpuMs" | "bareCpuMs" | "untracedCpuMs">;
      current: Subject;
    }> = [];
    for (const id of functionIds) {
      const entry = path.join(projectRoot, functions[id].entry);
      if (!existsSync(entry)) {
        notes.push(`${id}: skipped, ${functions[id].entry} does not exist yet`);
        continue;
      }
      const { outfile, metafile } = await bundle(id, outdir);
      const loaded = loadedAtStart(metafile, outfile);
      const code = Buffer.concat(loaded.map((file) => readFileSync(path.join(projectRoot, file))));
      const totalBytes = Object.values(metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
      const { sdkBytes, packages } = composition(metafile, loaded);
      built.push({
        row: {
          id,
          bytes: code.byteLength,
          files: loaded.length,
          totalBytes,
          sdkBytes,
          packages,
          gzipBytes: gzipSync(code).byteLength,
        },
        current: subject(id, outfile, functions[id].env, true),
      });
    }
    const baseline = await bundleBaseline(outdir).catch((error: Error) => ({ error: error.message }));
    const baselineOf = new Map<string, { subject: Subject; bytes: number }>();
    if ("error" in baseline) {
      baselineNote = {
        commit: BASELINE_COMMIT,
        sideBySide: false,
        note: `the baseline's bundles were not built (${baseline.error}); its stored figures count`,
      };
    } else {
      for (const { row } of built) {
        const b = baseline.bundles.get(row.id);
        if (b) baselineOf.set(row.id, { subject: subject(row.id, b.file, b.env, false), bytes: b.bytes });
      }
      baselineNote = {
        commit: BASELINE_COMMIT,
        sideBySide: true,
        note:
          `the baseline's bundles (commit ${BASELINE_COMMIT}, its own esbuild settings) were imported in the same rounds` +
          (baseline.failed.length > 0 ? `; not built: ${baseline.failed.join(", ")}` : ""),
      };
    }
    // Round after round over every bundle, so that a burst of load falls on all of them.
    for (let round = 0; round < IMPORT_RUNS; round++) {
      for (const { row, current } of built) {
        sampleRound(current);
        const b = baselineOf.get(row.id);
        if (b) sampleRound(b.subject);
      }
    }
    // One bare node start for the shares: the median of every bare sample of the run.
    const bareOfRun = median(
      [...built.map((b) => b.current), ...[...baselineOf.values()].map((b) => b.subject)].flatMap(
        (subject) => subject.bareCpu,
      ),
    );
    const pairedShare = (now: number[], then: number[]) =>
      median(now.map((cpu, round) => (cpu - bareOfRun) / ((then[round] ?? Number.NaN) - bareOfRun)));
    for (const { row, current } of built) {
      const failed = current.error !== undefined;
      const b = baselineOf.get(row.id);
      rows.push({
        ...row,
        importMs: failed ? undefined : median(current.wall),
        importCpuMs: failed ? undefined : median(current.cpu),
        bareCpuMs: failed ? undefined : median(current.bareCpu),
        untracedCpuMs: failed ? undefined : median(current.untracedCpu),
        ...(failed ? { importError: current.error } : {}),
        ...(b
          ? {
              baseline:
                b.subject.error !== undefined
                  ? { error: b.subject.error }
                  : {
                      bytes: b.bytes,
                      cpuMs: median(b.subject.cpu),
                      bareCpuMs: median(b.subject.bareCpu),
                      share: {
                        on: pairedShare(current.cpu, b.subject.cpu),
                        off: pairedShare(current.untracedCpu, b.subject.cpu),
                      },
                    },
            }
          : {}),
      });
      if (failed) notes.push(`${row.id}: import failed: ${current.error}`);
      if (b?.subject.error !== undefined)
        notes.push(`${row.id}: the baseline's import failed: ${b.subject.error}`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dummyEnv[Env.consoleAssetsDir], { recursive: true, force: true });
  }
  return {
    node: process.version,
    importRuns: IMPORT_RUNS,
    rows,
    notes,
    widget,
    baseline: baselineNote ?? { commit: BASELINE_COMMIT, sideBySide: false, note: "not measured" },
  };
}

export function printBundleReport({ rows, notes, importRuns, node, widget, baseline }: BundleReport): void {
  console.log(`In-app widget (esbuild, minified, ${widgetTarget.join(" ")})\n`);
  table(
    ["file", "minified KB", "gzip KB", `budget ${kb(widgetBudgetGzipBytes)} KB gzip`],
    widget.map((w) => [
      w.file,
      kb(w.bytes),
      kb(w.gzipBytes),
      w.gzipBytes <= w.budgetGzipBytes ? "met" : "NOT met",
    ]),
  );
  console.log("");
  console.log(
    `Bundles (esbuild ${esbuildSettings.format}, ${esbuildSettings.target}, minify=${esbuildSettings.minify}, ` +
      `splitting=${esbuildSettings.splitting}, AWS SDK bundled, ${esbuildSettings.external.length} lazy modules external; ` +
      `"bundle KB" is what a cold start reads: ${handlerFile} and the chunks it imports statically, not the chunks ` +
      `behind a dynamic import such as the Tracer's); cold import = median of ` +
      `${importRuns} fresh node ${node} processes, each next to a bare node process (CPU = user + system); ` +
      `tracing on (the default deployment) and off (\`-c tracing=off\`), sampled in turn\n`,
  );
  const fixed = (value: number | undefined, digits = 1) =>
    value === undefined ? "failed" : value.toFixed(digits);
  table(
    [
      "function",
      "bundle KB",
      "files",
      "all files KB",
      "AWS SDK KB",
      "ours+other KB",
      "gzip KB",
      "import ms",
      "CPU ms",
      "bare node CPU ms",
      "CPU x bare",
      "extra CPU ms",
      "tracing off: CPU ms",
      "x bare",
    ],
    rows.map((r) => [
      r.id,
      kb(r.bytes),
      String(r.files),
      kb(r.totalBytes),
      kb(r.sdkBytes),
      kb(r.bytes - r.sdkBytes),
      kb(r.gzipBytes),
      fixed(r.importMs),
      fixed(r.importCpuMs),
      fixed(r.bareCpuMs),
      r.importCpuMs === undefined || !r.bareCpuMs ? "failed" : `${(r.importCpuMs / r.bareCpuMs).toFixed(2)}x`,
      r.importCpuMs === undefined || r.bareCpuMs === undefined
        ? "failed"
        : (r.importCpuMs - r.bareCpuMs).toFixed(1),
      fixed(r.untracedCpuMs),
      r.untracedCpuMs === undefined || !r.bareCpuMs
        ? "failed"
        : `${(r.untracedCpuMs / r.bareCpuMs).toFixed(2)}x`,
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
  const measured = withSdk.filter((r) => r.importCpuMs !== undefined);
  if (ingest?.importCpuMs !== undefined && measured.length > 0) {
    const lightest = lightestCaller(measured);
    const times = (r: BundleRow) => `${((r.importCpuMs ?? 0) / (r.bareCpuMs || 1)).toFixed(2)}x`;
    console.log(
      (lightest.id === "ingest"
        ? `Ingest has the lightest cold import of the functions that use AWS clients (${times(ingest)} bare node)`
        : `Ingest does NOT have the lightest cold import of the functions that use AWS clients: ${lightest.id} does ` +
          `(${times(lightest)} bare node vs ${times(ingest)})`) +
        "; compared as CPU over the bare node next to each, tracing on.",
    );
  }

  console.log(
    `\nCold import against issue 14's baseline (commit ${baseline.commit}): ${baseline.note}. ` +
      `"share" = extra CPU over bare node now / the baseline's, round by round (each round's two imports next to each ` +
      `other, over the run's median bare node), the median of the rounds; without the baseline's bundles, against ` +
      `its stored figures. The target is <= 60 %.\n`,
  );
  const pct = (value: number | undefined) => (value === undefined ? "-" : `${Math.round(value * 100)} %`);
  table(
    [
      "function",
      "baseline KB",
      "baseline CPU ms",
      "its bare node ms",
      "baseline extra x bare",
      "stored extra x bare",
      "now extra x bare",
      "share",
      "tracing off: extra x bare",
      "share",
    ],
    rows
      .filter((r) => r.importCpuMs !== undefined && r.bareCpuMs)
      .map((r) => {
        const b = r.baseline && "cpuMs" in r.baseline ? r.baseline : undefined;
        const base = baselineExtra(r);
        const on = (r.importCpuMs ?? 0) / (r.bareCpuMs ?? 1) - 1;
        const off = r.untracedCpuMs === undefined ? undefined : r.untracedCpuMs / (r.bareCpuMs ?? 1) - 1;
        return [
          r.id,
          b ? kb(b.bytes) : "-",
          b ? b.cpuMs.toFixed(1) : r.baseline && "error" in r.baseline ? "failed" : "-",
          b ? b.bareCpuMs.toFixed(1) : "-",
          b ? (b.cpuMs / b.bareCpuMs - 1).toFixed(2) : "-",
          BASELINE_EXTRA_CPU[r.id]?.toFixed(2) ?? "-",
          on.toFixed(2),
          b ? pct(b.share.on) : base === undefined ? "-" : pct(on / base),
          off === undefined ? "-" : off.toFixed(2),
          b ? pct(b.share.off) : base === undefined || off === undefined ? "-" : pct(off / base),
        ];
      }),
  );
  for (const note of notes) console.log(`Note: ${note}`);
}
