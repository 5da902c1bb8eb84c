/**
 * What the bundles get for `semver` (infra/bundling.ts aliases it here). Two dependencies of the
 * Powertools Tracer require it for one comparison each: cls-hooked (`gte(process.versions.node,
 * "8.0.0")`, at load) and aws-xray-sdk-core's AWS SDK v2 patcher (`gte(AWS.VERSION, ...)`, never
 * called: we capture v3 clients). The real package builds some 40 regular expressions and loads its
 * whole range grammar when required, and the bundle held two copies (5.x and 7.x): about 6 ms of CPU
 * in every cold start with tracing on, for two comparisons. This is `gte` by SemVer 2.0.0 precedence,
 * with semver's error for an invalid version; test/unit/infra/semver-shim.test.ts checks it against
 * the real package.
 */

const VERSION =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;
const NUMERIC = /^\d+$/;

function parse(version: unknown): { core: number[]; pre: string[] } {
  const match = typeof version === "string" ? VERSION.exec(version.trim()) : null;
  if (!match) throw new TypeError(`Invalid Version: ${String(version)}`);
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4]?.split(".") ?? [] };
}

function compareIdentifiers(a: string, b: string): number {
  const aNumeric = NUMERIC.test(a);
  const bNumeric = NUMERIC.test(b);
  if (aNumeric && bNumeric) return Math.sign(Number(a) - Number(b));
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1, as semver's compare: build metadata ignored, a pre-release below its release. */
export function compare(a: unknown, b: unknown): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const order = Math.sign((x.core[i] ?? 0) - (y.core[i] ?? 0));
    if (order !== 0) return order;
  }
  if (x.pre.length === 0 || y.pre.length === 0) return Math.sign(y.pre.length - x.pre.length);
  for (let i = 0; ; i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined || q === undefined) return p === q ? 0 : p === undefined ? -1 : 1;
    const order = compareIdentifiers(p, q);
    if (order !== 0) return order;
  }
}

export function gte(a: unknown, b: unknown): boolean {
  return compare(a, b) >= 0;
}
