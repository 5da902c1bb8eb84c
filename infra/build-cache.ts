/**
 * Build outputs (esbuild's) kept on disk and reused while none of their inputs changed, so a process
 * that starts the local stack again with the same code does not build the same thing again: the
 * threads' compiled code, the console, the widget. The test suite starts some twenty stacks; each
 * built all of them anew (half a second of esbuild's CPU per start, and as much again on the main
 * thread to hash the outputs).
 *
 * An entry is valid while every input file the build read (its metafile's inputs) and the project
 * files that steer a build (tsconfig.json, package.json, package-lock.json) have the size and
 * modification time they had when it was built: one stat per file, no read. A build of other inputs
 * gets a folder of its own beside the old one (a running process may still load files from it).
 */
import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CACHE_DIR = join(ROOT, "node_modules", ".cache", "moments-builds");
/** What every build depends on besides the files it read. */
const PROJECT_FILES = ["tsconfig.json", "package.json", "package-lock.json"].map((file) => join(ROOT, file));
/** Modification times are the file system's clock, coarser than ours. */
const MTIME_SLACK_MS = 2_000;

/** A file's size and modification time (ns), or null when it is gone. */
type Stamp = [path: string, size: number, mtimeNs: string] | [path: string, null];

function stamp(path: string): Stamp {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stat ? [path, Number(stat.size), String(stat.mtimeNs)] : [path, null];
}

interface Manifest<T> {
  /** The folder of outputs, under CACHE_DIR. */
  dir: string;
  inputs: Stamp[];
  data: T;
}

export interface Built<T> {
  /** The inputs it read, as absolute paths or relative to the project root. */
  inputs: string[];
  /** Whatever the caller needs besides the files (which output is which entry, say). */
  data: T;
}

/** The folder's files in order, for the content hash. */
function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * The outputs of `build` for `key` (which names everything that is not an input file: entries,
 * options), from the cache when every input is as it was, else built now into a fresh folder and
 * kept. Returns the folder the outputs are in.
 */
export async function cachedBuild<T>(
  key: string,
  build: (dir: string) => Built<T> | Promise<Built<T>>,
): Promise<{ dir: string; data: T }> {
  const name = createHash("sha256").update(key).digest("hex").slice(0, 20);
  const manifestFile = join(CACHE_DIR, `${name}.json`);
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest<T>;
    const dir = join(CACHE_DIR, manifest.dir);
    const fresh = manifest.inputs.every((input) => JSON.stringify(stamp(input[0])) === JSON.stringify(input));
    if (fresh && existsSync(dir)) return { dir, data: manifest.data };
  } catch {
    // No entry yet, or one a crash left unreadable: build.
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const scratch = join(CACHE_DIR, `${name}.${process.pid}.${randomUUID()}`);
  mkdirSync(scratch, { recursive: true });
  const started = BigInt(Date.now() - MTIME_SLACK_MS) * 1_000_000n;
  let built: Built<T>;
  try {
    built = await build(scratch);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
  const stamps = [...new Set([...PROJECT_FILES, ...built.inputs.map((input) => resolve(ROOT, input))])].map(
    stamp,
  );
  const hash = createHash("sha256");
  for (const file of filesOf(scratch)) hash.update(relative(scratch, file)).update(readFileSync(file));
  const dirName = `${name}-${hash.digest("hex").slice(0, 20)}`;
  const dir = join(CACHE_DIR, dirName);
  if (existsSync(dir)) rmSync(scratch, { recursive: true, force: true });
  else {
    try {
      // Renamed into place: processes starting at once never see half a build.
      renameSync(scratch, dir);
    } catch {
      // Another process put the same build there first.
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  // A file changed while esbuild read it (or just before) may be newer than what was built from it:
  // no entry then, the next start builds again.
  if (stamps.some(([, size, mtimeNs]) => size === null || BigInt(mtimeNs) >= started))
    return { dir, data: built.data };
  const manifest: Manifest<T> = { dir: dirName, inputs: stamps, data: built.data };
  const temporary = `${manifestFile}.${process.pid}.${randomUUID()}`;
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, manifestFile);
  return { dir, data: built.data };
}
