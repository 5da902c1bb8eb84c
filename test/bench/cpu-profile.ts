/**
 * Where the local stack's CPU goes, by component, from V8 CPU profiles of every thread:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/moments-prof --expose-gc --import tsx test/bench/main.ts --only=load
 *   npx tsx test/bench/cpu-profile.ts /tmp/moments-prof
 *
 * The local runtime's threads inherit `--cpu-prof` (infra/local/thread.ts), so the directory holds
 * one profile per thread. Each sample is given to the innermost frame that belongs to a component
 * below (the SDK's signing before the SDK, dynalite's expression parser before dynalite...), so the
 * shares add up to 100 % per thread. A profile counts wall time while its thread is not idle: on a
 * loaded machine a call that wakes another thread (a socket write, a LevelDB request to libuv's
 * pool) can be charged for the time its thread then waited for a core; `/proc` (the load section's
 * split by thread) gives the true CPU. Start-up (module loading, compiling) is included.
 *
 * The threads run chunks that esbuild compiled (infra/local/thread.ts), and a functions thread's
 * chunks hold the npm packages it imports too, so a frame's URL says nothing of whose code it is: a
 * frame is classified by the source its chunk's source map names for it (`originalUrl`).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  /** V8's position of the function's start: 0-based line and column. */
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const OUR_CODE = "Moments code (shared/, functions/)";

/** Innermost match wins; a frame that matches two is the first's (the SDK's signer before the SDK). */
const COMPONENTS: Array<[string, RegExp]> = [
  ["GC (on the thread itself)", /^\(garbage collector\) /],
  ["SigV4 signing and payload hashing (SDK)", /signature-v4|httpAuthSchemes\/|submodules\/checksum/],
  ["local IAM check (iam.ts)", /infra\/local\/iam|iam-grants/],
  [
    "local SES (aws-ses-v2-local, mailparser)",
    /aws-ses-v2-local|mailparser|linkify-it|libmime|libqp|iconv-lite|html-to-text|nodemailer/,
  ],
  ["dynalite expression parsing", /dynalite\/db\/(condition|update|projection)Parser/],
  ["dynalite validation", /dynalite\/validations/],
  ["dynalite (items, keys, indexes)", /dynalite\//],
  ["LevelDB (classic-level, memory-level)", /classic-level|abstract-level|memory-level|level-transcoder/],
  ["aws-local-stepfunctions", /aws-local-stepfunctions|jsonpath/],
  ["local Step Functions (step-functions.ts)", /infra\/local\/(step-functions|resume-run)/],
  ["local bus and pattern matching", /infra\/local\/event-bridge|shared\/event-pattern/],
  ["local queue", /infra\/local\/queue/],
  ["local DynamoDB transactions and proxy", /infra\/local\/dynamodb/],
  ["local HTTP API", /infra\/local\/(http-api|http)\.ts/],
  [
    "local Lambda runtime (functions-thread.ts, caller.ts...)",
    /infra\/local\/(functions-thread|caller|lambda-context|handlers|faults)\.ts/,
  ],
  ["Powertools", /@aws-lambda-powertools/],
  ["zod", /node_modules\/zod\//],
  ["middy", /@middy/],
  [
    "SDK serialisation (protocols, codecs, document client)",
    /submodules\/(protocols|schema)\/|dynamodb-codec|lib-dynamodb|util-dynamodb/,
  ],
  ["SDK middleware and the rest of the SDK", /@smithy|@aws-sdk|@aws-crypto/],
  [
    "Node HTTP, sockets and streams",
    /node:_http|node:net|node:http|stream_base_commons|node:internal\/streams|node:internal\/http|^(writev|writeBuffer|writeUtf8String|writeLatin1String|shutdown) /,
  ],
  [
    "thread messaging (postMessage)",
    /postMessage|node:internal\/worker|messageport|node:internal\/event_target/,
  ],
  ["crypto (hashes, random ids)", /node:internal\/crypto|^(Hash|Hmac|randomUUID|randomFillSync) /],
  ["AsyncLocalStorage and async hooks", /async_hooks|async_local_storage/],
  ["timers, ticks and microtasks", /node:internal\/timers|task_queues|^runMicrotasks /],
  ["module loading and compiling", /node:internal\/modules|^(compileFunction|wrapSafe) |esbuild|\/tsx\//],
  // A chunk's frame that its source map does not place (or a chunk without one) stays ours.
  [OUR_CODE, /\/shared\/|\/functions\/|moments-builds\/.*chunk-/],
];

/** Each compiled file's source map (null: it has none), read once: a profile has thousands of frames. */
const sourceMaps = new Map<string, { map: SourceMap; url: string } | null>();

function sourceMapOf(url: string): { map: SourceMap; url: string } | null {
  const cached = sourceMaps.get(url);
  if (cached !== undefined) return cached;
  let found: { map: SourceMap; url: string } | null = null;
  // Files on disk that end with a map's address (esbuild's chunks). tsx keeps its maps of the main
  // thread's TypeScript in memory; those frames name their sources already.
  if (url.startsWith("file:")) {
    const path = fileURLToPath(url);
    const comment = existsSync(path)
      ? /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(path, "utf8").slice(-1000))?.[1]
      : undefined;
    if (comment && !comment.startsWith("data:")) {
      const mapUrl = new URL(comment, url).href;
      const mapPath = fileURLToPath(mapUrl);
      if (existsSync(mapPath)) {
        const payload = JSON.parse(readFileSync(mapPath, "utf8")) as SourceMapPayload;
        // Sources are relative to the map (esbuild: `../../../zod/...`, `../../../../shared/...`).
        found = { map: new SourceMap(payload), url: new URL(payload.sourceRoot ?? "", mapUrl).href };
      }
    }
  }
  sourceMaps.set(url, found);
  return found;
}

/**
 * The URL of the source a frame's function was compiled from, by its chunk's source map; the frame's
 * own URL when it has no map or the map does not place the frame.
 */
export function originalUrl(frame: ProfileNode["callFrame"]): string {
  const sourceMap = frame.lineNumber >= 0 ? sourceMapOf(frame.url) : null;
  if (!sourceMap) return frame.url;
  const entry = sourceMap.map.findEntry(frame.lineNumber, frame.columnNumber);
  return "originalSource" in entry ? new URL(entry.originalSource, sourceMap.url).href : frame.url;
}

/**
 * Node's own machinery that a library calls into: charged to the library that called it (the SDK's
 * signer hashing, dynalite's request ids), and shown on its own only when no library is above it.
 */
const WEAK = new Set([
  "crypto (hashes, random ids)",
  "AsyncLocalStorage and async hooks",
  "timers, ticks and microtasks",
]);

/** Which thread a profile is, from the code it ran. */
function threadOf(profile: Profile): string {
  const urls = new Set(profile.nodes.map((n) => n.callFrame.url));
  const has = (re: RegExp) => [...urls].some((url) => re.test(url));
  // The threads run compiled code (infra/local/thread.ts); the main thread imports their sources.
  // Two threads run it: the HTTP API's functions and the back end's (match, action...).
  if (has(/moments-builds\/.*functions-thread-/)) return "a functions thread (the API's or the back end's)";
  if (has(/moments-builds\/.*dynamodb-thread-/)) return "DynamoDB thread";
  if (has(/test\/bench\/main\.ts|infra\/local\/main\.ts/)) return "main thread";
  if (has(/\[worker eval\]/)) return "load generator";
  return "other thread";
}

export interface ComponentShare {
  component: string;
  ms: number;
  share: number;
}

export function componentsOf(profile: Profile): { busyMs: number; components: ComponentShare[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const matchOf = (id: number) => {
    const node = byId.get(id);
    return (
      node &&
      COMPONENTS.find(([, pattern]) =>
        pattern.test(`${node.callFrame.functionName} ${originalUrl(node.callFrame)}`),
      )
    );
  };
  /** The innermost component at or above `id`, weak ones (`WEAK`) only when nothing above owns them. */
  const memo = new Map<string, string | undefined>();
  const componentOf = (id: number | undefined, strongOnly: boolean): string | undefined => {
    if (id === undefined) return undefined;
    const key = `${id}:${strongOnly}`;
    if (memo.has(key)) return memo.get(key);
    const match = matchOf(id);
    const above = () => componentOf(parentOf.get(id), strongOnly);
    let component: string | undefined;
    if (match === undefined) component = above();
    else if (!WEAK.has(match[0])) component = match[0];
    else component = componentOf(parentOf.get(id), true) ?? (strongOnly ? undefined : match[0]);
    memo.set(key, component);
    return component;
  };
  const micros = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === "(idle)") return;
    const delta = profile.timeDeltas[i] ?? 0;
    busy += delta;
    const component = componentOf(id, false) ?? "other (Node internals, natives)";
    micros.set(component, (micros.get(component) ?? 0) + delta);
  });
  return {
    busyMs: busy / 1000,
    components: [...micros]
      .map(([component, us]) => ({ component, ms: us / 1000, share: busy > 0 ? us / busy : 0 }))
      .sort((a, b) => b.ms - a.ms),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: npx tsx test/bench/cpu-profile.ts <--cpu-prof-dir>");
    process.exit(2);
  }
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
    const { busyMs, components } = componentsOf(profile);
    if (busyMs < 1000) continue;
    const thread = threadOf(profile);
    console.log(`\n${thread} (${file}): ${(busyMs / 1000).toFixed(1)} s sampled while busy`);
    for (const c of components.filter((c) => c.share >= 0.005)) {
      console.log(`  ${(c.share * 100).toFixed(1).padStart(5)} %  ${c.component}`);
    }
  }
}
