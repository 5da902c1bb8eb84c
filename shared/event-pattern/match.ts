/**
 * Amazon EventBridge event-pattern matching, without dependencies.
 *
 * The semantics follow the EventBridge content-filtering documentation and, where the documentation is
 * silent, aws/event-ruler: the open-source engine EventBridge itself uses. The model that explains every
 * surprising case below is the engine's: an event is flattened into (path, leaf value) fields, where arrays
 * are "crushed" (each element contributes a field at the same path) and only strings, numbers, booleans and
 * null are leaf values. A pattern is a set of leaf conditions on paths, all of which must hold (AND); the
 * values listed in one leaf array are alternatives (OR); `$or` forks the pattern into alternative branches.
 *
 * `validateEventPattern` reports what EventBridge would reject when the rule is created.
 * `matchesEventPattern` never throws: an invalid pattern (which AWS would not accept) or an event that is
 * not a JSON object simply does not match.
 */

export type EventPattern = Record<string, unknown>;

/** A leaf value of a flattened event: the only values conditions ever look at. */
type Scalar = string | number | boolean | null;
type ValueTest = (value: Scalar) => boolean;

/** What one leaf array (`"state": [ ... ]`) accepts. */
interface Leaf {
  /** Any passing test on any value at the path satisfies the leaf (values are OR-ed, array elements too). */
  readonly tests: readonly ValueTest[];
  /** `{ "exists": false }` was listed: the leaf is also satisfied when the path has no value at all. */
  readonly matchesAbsent: boolean;
}

interface Condition {
  readonly path: readonly string[];
  /** Unambiguous identity of the path (a key may itself contain dots). */
  readonly id: string;
  /** The engine's dotted field name; conditions are evaluated in this order (see `matchesBranch`). */
  readonly sortKey: string;
  readonly leaf: Leaf;
}

/** One way for the pattern to match: every condition must hold. `$or` produces several branches. Sorted. */
type Branch = readonly Condition[];

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  leafId: string | undefined;
}

interface Compiled {
  readonly branches: readonly Branch[];
  readonly trie: TrieNode;
  readonly problems: readonly string[];
}

/** Array id -> element index: which array elements a matched field came from. */
type Membership = ReadonlyMap<number, number>;

interface Field {
  readonly value: Scalar;
  readonly membership: Membership;
}

const OR_KEY = "$or";

/**
 * Field names event-ruler refuses inside `$or` objects, because they are (or are reserved to become)
 * operator names and would make `{ "$or": [{ "prefix": ... }] }` ambiguous.
 */
const RESERVED_NAMES_IN_OR = new Set([
  "exactly",
  "equals-ignore-case",
  "prefix",
  "suffix",
  "anything-but",
  "exists",
  "wildcard",
  "numeric",
  "cidr",
  "=",
  "<",
  "<=",
  ">",
  ">=",
  "regex",
  "not-wildcard",
  "not-equals-ignore-case",
  "date-after",
  "date-on-or-after",
  "date-before",
  "date-on-or-before",
  "in-date-range",
  "ip-address-in-range",
  "ip-address-not-in-range",
]);

/** Guards against `$or` cross products exhausting memory; far above any realistic rule. */
const MAX_BRANCHES = 10_000;

const NO_MEMBERSHIP: Membership = new Map();

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

/** True when `event` (a whole EventBridge event: source, detail-type, account, detail, ...) matches. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  try {
    const compiled = compilePattern(pattern);
    if (compiled.problems.length > 0 || !isRecord(event)) return false;
    const fields = collectFields(event, compiled.trie);
    return compiled.branches.some((branch) => matchesBranch(branch, fields));
  } catch {
    // Events are untrusted input (getters, proxies, absurd nesting): anything unreadable is "no match".
    return false;
  }
}

/** Human-readable problems EventBridge would reject the pattern for; an empty array means valid. */
export function validateEventPattern(pattern: unknown): string[] {
  try {
    return [...new Set(compilePattern(pattern).problems)];
  } catch (error) {
    return [`pattern could not be read: ${error instanceof Error ? error.message : String(error)}`];
  }
}

// ---------------------------------------------------------------------------------------------------------
// Compilation: pattern JSON -> branches of leaf conditions (+ problems)
// ---------------------------------------------------------------------------------------------------------

function compilePattern(pattern: unknown): Compiled {
  const problems: string[] = [];
  if (!isRecord(pattern)) problems.push(`pattern: must be a JSON object, got ${typeName(pattern)}`);
  const branches = isRecord(pattern) ? compileObject(pattern, [], "pattern", false, problems) : [];
  const sorted = branches.map((branch) => [...branch].sort(bySortKey));
  return { branches: sorted, trie: buildTrie(sorted), problems };
}

function compileObject(
  node: Record<string, unknown>,
  path: readonly string[],
  where: string,
  insideOr: boolean,
  problems: string[],
): Branch[] {
  const keys = Object.keys(node);
  if (keys.length === 0) {
    problems.push(`${where}: empty objects are not allowed`);
    return [];
  }
  let branches: Branch[] = [[]];
  for (const key of keys) {
    const alternatives = compileMember(key, node[key], path, where, insideOr, problems);
    branches = crossProduct(branches, alternatives, where, problems);
  }
  return branches;
}

function compileMember(
  key: string,
  value: unknown,
  path: readonly string[],
  where: string,
  insideOr: boolean,
  problems: string[],
): Branch[] {
  const childWhere = where === "pattern" ? key : `${where}.${key}`;
  // `$or` is not a path step: its alternatives constrain fields of the object that contains it.
  if (key === OR_KEY) return compileOr(value, path, childWhere, problems);
  if (insideOr && RESERVED_NAMES_IN_OR.has(key)) {
    problems.push(`${childWhere}: "${key}" is an operator name and cannot be a field name inside "$or"`);
  }
  const childPath = [...path, key];
  if (Array.isArray(value)) {
    const leaf = compileLeaf(value, childWhere, problems);
    return [[{ path: childPath, id: JSON.stringify(childPath), sortKey: childPath.join("."), leaf }]];
  }
  if (isRecord(value)) return compileObject(value, childPath, childWhere, insideOr, problems);
  problems.push(
    `${childWhere}: must be an object or an array of values (e.g. ["value"]), got ${typeName(value)}`,
  );
  return [];
}

function compileOr(value: unknown, path: readonly string[], where: string, problems: string[]): Branch[] {
  if (!Array.isArray(value)) {
    problems.push(`${where}: must be an array of at least 2 objects`);
    return [];
  }
  if (value.length < 2) problems.push(`${where}: must contain at least 2 objects`);
  const branches: Branch[] = [];
  value.forEach((alternative, index) => {
    const altWhere = `${where}[${index}]`;
    if (!isRecord(alternative)) {
      problems.push(`${altWhere}: only objects are allowed in "$or", got ${typeName(alternative)}`);
      return;
    }
    branches.push(...compileObject(alternative, path, altWhere, true, problems));
  });
  return branches;
}

function crossProduct(left: readonly Branch[], right: readonly Branch[], where: string, problems: string[]) {
  if (left.length * right.length > MAX_BRANCHES) {
    problems.push(`${where}: "$or" combinations exceed ${MAX_BRANCHES} alternatives`);
    return [];
  }
  return left.flatMap((l) => right.map((r) => [...l, ...r]));
}

function compileLeaf(values: readonly unknown[], where: string, problems: string[]): Leaf {
  if (values.length === 0) problems.push(`${where}: empty arrays are not allowed`);
  const tests: ValueTest[] = [];
  let matchesAbsent = false;
  values.forEach((value, index) => {
    const item = compileLeafItem(value, `${where}[${index}]`, problems);
    if (item === "absent") matchesAbsent = true;
    else if (item !== undefined) tests.push(item);
  });
  return { tests, matchesAbsent };
}

/** A test for one leaf array element, "absent" for `{ "exists": false }`, undefined when invalid. */
function compileLeafItem(
  value: unknown,
  where: string,
  problems: string[],
): ValueTest | "absent" | undefined {
  if (typeof value === "string") return exactString(value);
  if (typeof value === "number") {
    if (Number.isFinite(value)) return (v) => v === value;
    problems.push(`${where}: numbers must be finite`);
    return undefined;
  }
  if (typeof value === "boolean" || value === null) return (v) => v === value;
  if (isRecord(value)) return compileOperator(value, where, problems);
  problems.push(
    `${where}: must be a string, number, boolean, null or an operator object, got ${typeName(value)}`,
  );
  return undefined;
}

function compileOperator(
  node: Record<string, unknown>,
  where: string,
  problems: string[],
): ValueTest | "absent" | undefined {
  const entries = Object.entries(node);
  const [first] = entries;
  if (first === undefined || entries.length > 1) {
    problems.push(`${where}: an operator object must have exactly one key, got ${entries.length}`);
    return undefined;
  }
  const [operator, operand] = first;
  const at = `${where}.${operator}`;
  switch (operator) {
    case "prefix":
      return compileAffix(operand, at, problems, startsWith, startsWithIgnoringCase);
    case "suffix":
      return compileAffix(operand, at, problems, endsWith, endsWithIgnoringCase);
    case "equals-ignore-case":
      return requireString(operand, at, problems, (text) => stringTest(equalsIgnoringCaseTo(text)));
    case "wildcard":
      return requireString(operand, at, problems, (text) => {
        const matcher = compileWildcard(text, at, problems);
        return matcher && stringTest(matcher);
      });
    case "anything-but":
      return compileAnythingBut(operand, at, problems);
    case "numeric":
      return compileNumeric(operand, at, problems);
    case "exists":
      if (typeof operand !== "boolean") {
        problems.push(`${at}: must be true or false`);
        return undefined;
      }
      // `exists: true` holds for any leaf value, null included; only a missing leaf fails it.
      return operand ? () => true : "absent";
    case "cidr":
      return requireString(operand, at, problems, (text) => compileCidr(text, at, problems));
    default:
      problems.push(`${where}: unknown operator "${operator}"`);
      return undefined;
  }
}

type StringPredicate = (value: string) => boolean;

/** Prefix, suffix, equals-ignore-case and wildcard only ever match string values. */
function stringTest(predicate: StringPredicate): ValueTest {
  return (v) => typeof v === "string" && predicate(v);
}

function exactString(expected: string): ValueTest {
  const ip = parseIp(expected);
  if (ip === undefined) return (v) => v === expected;
  // The engine stores an IP-literal pattern string as a one-address range, so other spellings of the same
  // address match too ("::1" and "0:0:0:0:0:0:0:1").
  return stringTest((v) => v === expected || sameBytes(parseIp(v), ip));
}

function requireString(
  operand: unknown,
  where: string,
  problems: string[],
  build: (text: string) => ValueTest | undefined,
): ValueTest | undefined {
  if (typeof operand === "string") return build(operand);
  problems.push(`${where}: must be a string, got ${typeName(operand)}`);
  return undefined;
}

/** `{ "prefix": "abc" }` or `{ "prefix": { "equals-ignore-case": "abc" } }` (likewise suffix). */
function compileAffix(
  operand: unknown,
  where: string,
  problems: string[],
  exact: (affix: string) => StringPredicate,
  ignoringCase: (affix: string) => StringPredicate,
): ValueTest | undefined {
  if (typeof operand === "string") return stringTest(exact(operand));
  if (isRecord(operand) && Object.keys(operand).length === 1 && "equals-ignore-case" in operand) {
    const inner = operand["equals-ignore-case"];
    return requireString(inner, `${where}.equals-ignore-case`, problems, (text) =>
      stringTest(ignoringCase(text)),
    );
  }
  problems.push(`${where}: must be a string or { "equals-ignore-case": string }`);
  return undefined;
}

/**
 * anything-but matches every value except the listed ones. Two consequences of the engine surprise people:
 * values of another type are "something else" and therefore match (anything-but "5" matches the number 5,
 * anything-but 5 matches the string "5", and either matches null or true); and a missing field has no value
 * at all, so it does not match (add `{ "exists": false }` to the leaf for that).
 */
function compileAnythingBut(operand: unknown, where: string, problems: string[]): ValueTest | undefined {
  if (typeof operand === "string" || (typeof operand === "number" && Number.isFinite(operand))) {
    return (v) => v !== operand;
  }
  if (Array.isArray(operand)) {
    const allStrings = operand.every((item) => typeof item === "string");
    const allNumbers = operand.every((item) => typeof item === "number" && Number.isFinite(item));
    if (operand.length === 0 || !(allStrings || allNumbers)) {
      problems.push(`${where}: a list must be non-empty and contain only strings or only numbers`);
      return undefined;
    }
    const excluded = new Set<unknown>(operand);
    return (v) => !excluded.has(v);
  }
  if (isRecord(operand)) return compileAnythingButString(operand, where, problems);
  problems.push(
    `${where}: must be a string, a number, a list of them, or an object such as { "prefix": "x" }`,
  );
  return undefined;
}

type PredicateBuilder = (text: string, where: string, problems: string[]) => StringPredicate | undefined;

const ANYTHING_BUT_OPERATORS: ReadonlyMap<string, PredicateBuilder> = new Map<string, PredicateBuilder>([
  ["prefix", startsWith],
  ["suffix", endsWith],
  ["equals-ignore-case", equalsIgnoringCaseTo],
  ["wildcard", compileWildcard],
]);

/** anything-but over a string operator: non-string values never match the inner operator, so they pass. */
function compileAnythingButString(
  operand: Record<string, unknown>,
  where: string,
  problems: string[],
): ValueTest | undefined {
  const entries = Object.entries(operand);
  const [first] = entries;
  if (first === undefined || entries.length > 1) {
    problems.push(`${where}: must have exactly one of prefix, suffix, equals-ignore-case, wildcard`);
    return undefined;
  }
  const [operator, inner] = first;
  const at = `${where}.${operator}`;
  const build = ANYTHING_BUT_OPERATORS.get(operator);
  if (build === undefined) {
    problems.push(`${where}: unsupported anything-but operator "${operator}"`);
    return undefined;
  }
  const texts: unknown = typeof inner === "string" ? [inner] : inner;
  if (!isStringList(texts)) {
    problems.push(`${at}: must be a string or a non-empty list of strings`);
    return undefined;
  }
  if ((operator === "prefix" || operator === "suffix") && texts.includes("")) {
    problems.push(`${at}: must not be empty`);
    return undefined;
  }
  const predicates = texts.map((text) => build(text, at, problems));
  const defined = predicates.filter((p): p is StringPredicate => p !== undefined);
  if (defined.length !== predicates.length) return undefined;
  return (v) => typeof v !== "string" || !defined.some((p) => p(v));
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string");
}

// ---------------------------------------------------------------------------------------------------------
// String predicates
// ---------------------------------------------------------------------------------------------------------

function startsWith(prefix: string): StringPredicate {
  return (v) => v.startsWith(prefix);
}

function endsWith(suffix: string): StringPredicate {
  return (v) => v.endsWith(suffix);
}

/** Case folding per character (code point), as the engine does, so lengths never shift ("ß" vs "SS"). */
function sameCharIgnoringCase(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();
}

function sameCharsIgnoringCase(
  value: readonly string[],
  expected: readonly string[],
  offset: number,
): boolean {
  return expected.every((ch, i) => {
    const actual = value[offset + i];
    return actual !== undefined && sameCharIgnoringCase(actual, ch);
  });
}

function equalsIgnoringCaseTo(text: string): StringPredicate {
  const expected = Array.from(text);
  return (v) => {
    const chars = Array.from(v);
    return chars.length === expected.length && sameCharsIgnoringCase(chars, expected, 0);
  };
}

function startsWithIgnoringCase(prefix: string): StringPredicate {
  const expected = Array.from(prefix);
  return (v) => sameCharsIgnoringCase(Array.from(v), expected, 0);
}

function endsWithIgnoringCase(suffix: string): StringPredicate {
  const expected = Array.from(suffix);
  return (v) => {
    const chars = Array.from(v);
    return (
      chars.length >= expected.length &&
      sameCharsIgnoringCase(chars, expected, chars.length - expected.length)
    );
  };
}

/**
 * `*` matches any run of characters (including none); `\*` is a literal star and `\\` a literal backslash.
 * Like EventBridge, consecutive stars and any other escape are rejected.
 */
function compileWildcard(pattern: string, where: string, problems: string[]): StringPredicate | undefined {
  const parts: string[] = [];
  let current = "";
  let previousWasStar = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === "\\") {
      const next = pattern.charAt(i + 1);
      if (next !== "*" && next !== "\\") {
        problems.push(`${where}: invalid escape at index ${i} (only \\* and \\\\ are allowed)`);
        return undefined;
      }
      current += next;
      i++;
      previousWasStar = false;
    } else if (ch === "*") {
      if (previousWasStar) {
        problems.push(`${where}: consecutive wildcard characters at index ${i}`);
        return undefined;
      }
      parts.push(current);
      current = "";
      previousWasStar = true;
    } else {
      current += ch;
      previousWasStar = false;
    }
  }
  parts.push(current);
  return (v) => matchesWildcardParts(v, parts);
}

/** `parts` are the literal runs between stars; a greedy left-to-right scan is exact for star-only globs. */
function matchesWildcardParts(value: string, parts: readonly string[]): boolean {
  const first = parts[0] ?? "";
  if (parts.length === 1) return value === first;
  const last = parts[parts.length - 1] ?? "";
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  const end = value.length - last.length;
  let position = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = value.indexOf(part, position);
    if (found === -1 || found + part.length > end) return false;
    position = found + part.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// numeric
// ---------------------------------------------------------------------------------------------------------

const NUMERIC_OPERATORS = new Set(["=", "<", "<=", ">", ">="]);

interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** `["=", 5]`, `["<", 10]`, `[">", 0, "<=", 5]`: matches JSON numbers only, never numeric-looking strings. */
function compileNumeric(operand: unknown, where: string, problems: string[]): ValueTest | undefined {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    problems.push(`${where}: must be an array of operator/number pairs, e.g. [">", 0, "<=", 5]`);
    return undefined;
  }
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  let equals: number | undefined;
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const value: unknown = operand[i + 1];
    if (typeof op !== "string" || !NUMERIC_OPERATORS.has(op)) {
      const shown = typeof op === "string" ? `"${op}"` : typeName(op);
      problems.push(`${where}[${i}]: unknown numeric operator ${shown}`);
      return undefined;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      problems.push(
        `${where}[${i + 1}]: the value of "${op}" must be a finite number, got ${typeName(value)}`,
      );
      return undefined;
    }
    if (op === "=") {
      if (operand.length !== 2) {
        problems.push(`${where}: "=" cannot be combined with other numeric operators`);
        return undefined;
      }
      equals = value;
    } else if (op === ">" || op === ">=") {
      if (lower !== undefined) return duplicateBound(where, "lower", problems);
      lower = { value, inclusive: op === ">=" };
    } else {
      if (upper !== undefined) return duplicateBound(where, "upper", problems);
      upper = { value, inclusive: op === "<=" };
    }
  }
  if (equals !== undefined) {
    const target = equals;
    return (v) => v === target;
  }
  if (lower !== undefined && upper !== undefined && isEmptyRange(lower, upper)) {
    problems.push(`${where}: the range is empty (lower bound is above the upper bound)`);
    return undefined;
  }
  return numericRangeTest(lower, upper);
}

function duplicateBound(where: string, which: string, problems: string[]): undefined {
  problems.push(`${where}: at most one ${which} bound is allowed`);
  return undefined;
}

function isEmptyRange(lower: Bound, upper: Bound): boolean {
  return lower.value > upper.value || (lower.value === upper.value && !(lower.inclusive && upper.inclusive));
}

function numericRangeTest(lower: Bound | undefined, upper: Bound | undefined): ValueTest {
  return (v) =>
    typeof v === "number" &&
    (lower === undefined || (lower.inclusive ? v >= lower.value : v > lower.value)) &&
    (upper === undefined || (upper.inclusive ? v <= upper.value : v < upper.value));
}

// ---------------------------------------------------------------------------------------------------------
// cidr / IP addresses
// ---------------------------------------------------------------------------------------------------------

function compileCidr(text: string, where: string, problems: string[]): ValueTest | undefined {
  const [address, bits, ...rest] = text.split("/");
  const base = address === undefined ? undefined : parseIp(address);
  const maxBits = base === undefined ? 0 : base.length * 8;
  if (base === undefined || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) {
    problems.push(`${where}: "${text}" is not a CIDR block such as "10.0.0.0/24" or "2001:db8::/32"`);
    return undefined;
  }
  const maskBits = Number(bits);
  if (maskBits > maxBits) {
    problems.push(`${where}: mask bits must be at most ${maxBits}`);
    return undefined;
  }
  // The engine's range runs from the address as written to that address with all host bits set, so
  // "10.0.0.0/24" is 10.0.0.0-10.0.0.255 (and an unusual "10.0.0.5/24" starts at 10.0.0.5).
  const top = base.map((byte, i) => byte | hostBitsOfByte(i, maskBits));
  return stringTest((v) => {
    const ip = parseIp(v);
    return (
      ip !== undefined &&
      ip.length === base.length &&
      compareBytes(ip, base) >= 0 &&
      compareBytes(ip, top) <= 0
    );
  });
}

function hostBitsOfByte(byteIndex: number, maskBits: number): number {
  const networkBitsInByte = Math.min(8, Math.max(0, maskBits - byteIndex * 8));
  return 0xff >> networkBitsInByte;
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function sameBytes(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && compareBytes(a, b) === 0;
}

/** IPv4 (4 bytes) or IPv6 (16 bytes) literal; undefined for anything else (host names, zone ids, ...). */
function parseIp(text: string): number[] | undefined {
  const bytes = parseIpv4(text) ?? parseIpv6(text);
  // Like Java's InetAddress (used by the engine), an IPv4-mapped IPv6 address (::ffff:a00:1) is IPv4.
  if (
    bytes?.length === 16 &&
    bytes.slice(0, 10).every((b) => b === 0) &&
    bytes[10] === 0xff &&
    bytes[11] === 0xff
  ) {
    return bytes.slice(12);
  }
  return bytes;
}

function parseIpv4(text: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function parseIpv6(text: string): number[] | undefined {
  // Only hexadecimal groups and colons, as the engine accepts (no embedded dotted quad, no zone id).
  if (!/^[0-9a-fA-F:]+$/.test(text) || !text.includes(":")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function parseIpv6Groups(part: string): number[] | undefined {
  if (part === "") return [];
  const groups = part.split(":");
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

// ---------------------------------------------------------------------------------------------------------
// Event flattening
// ---------------------------------------------------------------------------------------------------------

function buildTrie(branches: readonly Branch[]): TrieNode {
  const root: TrieNode = { children: new Map(), leafId: undefined };
  for (const condition of branches.flat()) {
    let node = root;
    for (const step of condition.path) {
      let child = node.children.get(step);
      if (child === undefined) {
        child = { children: new Map(), leafId: undefined };
        node.children.set(step, child);
      }
      node = child;
    }
    node.leafId = condition.id;
  }
  return root;
}

/**
 * The leaf values at every path the pattern mentions, each tagged with the array elements it came from.
 * Only JSON leaf values count: an object, an empty array or a missing key contributes nothing, which is
 * why EventBridge treats `"c-count": { "c1": 100 }` as "c-count does not exist".
 */
function collectFields(event: Record<string, unknown>, trie: TrieNode): Map<string, Field[]> {
  const fields = new Map<string, Field[]>();
  const onPath = new Set<object>(); // cycle guard: events are not guaranteed to be JSON
  let nextArrayId = 0;

  const visit = (value: unknown, node: TrieNode, membership: Membership): void => {
    if (typeof value === "object" && value !== null) {
      if (onPath.has(value)) return;
      onPath.add(value);
      if (Array.isArray(value)) visitArray(value, node, membership);
      else visitObject(value, node, membership);
      onPath.delete(value);
    } else if (node.leafId !== undefined && isScalar(value)) {
      const existing = fields.get(node.leafId);
      if (existing === undefined) fields.set(node.leafId, [{ value, membership }]);
      else existing.push({ value, membership });
    }
  };

  const visitObject = (object: object, node: TrieNode, membership: Membership): void => {
    for (const [key, child] of node.children) {
      // Own enumerable properties only, as JSON would serialize them ("constructor" is not a field).
      if (Object.prototype.propertyIsEnumerable.call(object, key)) {
        visit((object as Record<string, unknown>)[key], child, membership);
      }
    }
  };

  const visitArray = (array: readonly unknown[], node: TrieNode, membership: Membership): void => {
    const arrayId = nextArrayId++;
    array.forEach((element, index) => {
      // As in the engine, only structured elements are tagged: they are what array consistency is about.
      const tagged = typeof element === "object" && element !== null;
      visit(element, node, tagged ? new Map(membership).set(arrayId, index) : membership);
    });
  };

  visit(event, trie, NO_MEMBERSHIP);
  return fields;
}

// ---------------------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------------------

/**
 * All conditions of the branch must hold, in an array-consistent way: two conditions cannot be satisfied by
 * objects from different elements of the same array (`{ "a": [{ "x": 1 }, { "y": 2 }] }` does not match
 * `{ "a": { "x": [1], "y": [2] } }`).
 *
 * Conditions are checked in the engine's order (dotted field name). This only matters for `exists: false`
 * inside arrays of objects: the engine checks absence against the array elements still consistent with the
 * conditions matched so far, so `{ "a": { "b": [{ "exists": false }] } }` fails as soon as any element of
 * `a` has a `b`, whereas a lexically earlier sibling condition first narrows the check to its own element.
 */
function matchesBranch(ordered: Branch, fields: ReadonlyMap<string, readonly Field[]>): boolean {
  const failed = new Set<string>();

  const matchFrom = (index: number, membership: Membership): boolean => {
    const condition = ordered[index];
    if (condition === undefined) return true;
    const memoKey = `${index}|${membershipKey(membership)}`;
    if (failed.has(memoKey)) return false;
    const candidates = (fields.get(condition.id) ?? []).filter((f) => isConsistent(membership, f.membership));
    const matched =
      candidates.some(
        (field) =>
          condition.leaf.tests.some((test) => test(field.value)) &&
          matchFrom(index + 1, mergeMembership(membership, field.membership)),
      ) ||
      (condition.leaf.matchesAbsent && candidates.length === 0 && matchFrom(index + 1, membership));
    if (!matched) failed.add(memoKey);
    return matched;
  };

  return matchFrom(0, NO_MEMBERSHIP);
}

function bySortKey(a: Condition, b: Condition): number {
  // Code-unit order, like Java's String.compareTo in the engine (not localeCompare).
  if (a.sortKey < b.sortKey) return -1;
  return a.sortKey > b.sortKey ? 1 : 0;
}

function isConsistent(a: Membership, b: Membership): boolean {
  for (const [arrayId, index] of b) {
    const other = a.get(arrayId);
    if (other !== undefined && other !== index) return false;
  }
  return true;
}

function mergeMembership(a: Membership, b: Membership): Membership {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  return new Map([...a, ...b]);
}

function membershipKey(membership: Membership): string {
  return [...membership]
    .sort(([x], [y]) => x - y)
    .map(([arrayId, index]) => `${arrayId}:${index}`)
    .join(",");
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === "string" ||
    typeof value === "boolean" ||
    value === null ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
