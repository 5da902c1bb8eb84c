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

/**
 * EventBridge refuses a pattern whose `$or`s expand to "over 1000 rule combinations" (event patterns quota,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html); it also bounds our cross product.
 */
const MAX_BRANCHES = 1000;

/**
 * EventBridge rejects a rule whose wildcards are "too complex" (InvalidEventPatternException, see "Wildcards and
 * event pattern complexity" in the EventBridge user guide). The measure is event-ruler's
 * `MachineComplexityEvaluator`: the most wildcard-pattern states one input value can keep alive at once. AWS does
 * not publish its threshold; 10 is the boundary observed on AWS: three `{ "wildcard": "*:stack/<name>/*" }`
 * values on one field (complexity 9) are accepted, four (complexity 12) are "Rule is too complex".
 */
const MAX_WILDCARD_COMPLEXITY = 10;

const NO_MEMBERSHIP: Membership = new Map();

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

/** True when `event` (a whole EventBridge event: source, detail-type, account, detail, ...) matches. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return eventPatternMatcher(pattern)(event);
}

/**
 * The pattern compiled once, for a rule that tests every event on its bus: `matchesEventPattern`
 * compiles it at each call. An invalid pattern (or an unreadable one) matches nothing.
 */
export function eventPatternMatcher(pattern: EventPattern): (event: unknown) => boolean {
  let compiled: Compiled;
  try {
    compiled = compilePattern(pattern);
  } catch {
    return () => false;
  }
  if (compiled.problems.length > 0) return () => false;
  return (event) => {
    try {
      if (!isRecord(event)) return false;
      const fields = collectFields(event, compiled.trie);
      return compiled.branches.some((branch) => matchesBranch(branch, fields));
    } catch {
      // Events are untrusted input (getters, proxies, absurd nesting): anything unreadable is "no match".
      return false;
    }
  };
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
  if (isRecord(pattern) && problems.length === 0) problems.push(...wildcardComplexityProblems(pattern));
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
  // Document order matters: a later constraint on the same path replaces an earlier one (see `crossProduct`).
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
  // The engine names a field by joining the keys with ".", so `"a.b"` and `"a": { "b" }` are one path
  // (event-ruler README: both "compile to the same internal representation").
  const childPath = [...path, ...key.split(".")];
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

/**
 * Every combination of an earlier and a later alternative. When both constrain the same path, the later one wins
 * (event-ruler's JsonRuleCompiler writes each leaf into every sub-rule built so far, overwriting): so
 * `{ "a": ["1"], "$or": [{ "a": ["2"] }, { "b": ["3"] }] }` matches `{ "a": "2" }` and not `{ "a": "1", "c": 0 }`.
 */
function crossProduct(left: readonly Branch[], right: readonly Branch[], where: string, problems: string[]) {
  if (left.length * right.length > MAX_BRANCHES) {
    problems.push(`${where}: "$or" expands to more than ${MAX_BRANCHES} rule combinations`);
    return [];
  }
  return left.flatMap((l) =>
    right.map((r) => {
      const overridden = new Set(r.map((condition) => condition.id));
      return [...l.filter((condition) => !overridden.has(condition.id)), ...r];
    }),
  );
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

/**
 * equals-ignore-case folds the pattern's value only: each of its characters accepts that character's lower- and
 * upper-case forms, taken on the character alone, so "ß" accepts "ß" or "SS" and the value is never folded
 * ("ẞ" in a pattern matches "ß" in an event; "ß" in a pattern does not match "ẞ"). This is event-ruler's
 * byte machine, which adds both case variants of every pattern character, and what AWS answers.
 * Returns the offsets of `value` that consuming the whole of `text` can end at, walking forwards from the start
 * (or backwards from the end). The variants differ in length, so a set of offsets is carried, never one.
 */
function reachIgnoringCase(value: string, text: string, backwards: boolean): Set<number> {
  let reachable = new Set([backwards ? value.length : 0]);
  const chars = Array.from(text);
  if (backwards) chars.reverse();
  for (const ch of chars) {
    const variants = new Set([ch.toLowerCase(), ch.toUpperCase()]);
    const next = new Set<number>();
    for (const variant of variants) {
      for (const offset of reachable) {
        const at = backwards ? offset - variant.length : offset;
        if (at >= 0 && value.startsWith(variant, at)) next.add(backwards ? at : offset + variant.length);
      }
    }
    if (next.size === 0) return next;
    reachable = next;
  }
  return reachable;
}

function equalsIgnoringCaseTo(text: string): StringPredicate {
  return (v) => reachIgnoringCase(v, text, false).has(v.length);
}

function startsWithIgnoringCase(prefix: string): StringPredicate {
  return (v) => reachIgnoringCase(v, prefix, false).size > 0;
}

function endsWithIgnoringCase(suffix: string): StringPredicate {
  return (v) => reachIgnoringCase(v, suffix, true).size > 0;
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

/** A wildcard operand as a tiny NFA: `chars[i]` moves state i to i + 1; `starAt[i]` lets state i loop. */
interface WildcardNfa {
  readonly chars: readonly string[];
  readonly starAt: readonly boolean[];
}

function wildcardNfa(pattern: string): WildcardNfa {
  const chars: string[] = [];
  const starAt: boolean[] = [false];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === "*") {
      starAt[chars.length] = true;
    } else {
      chars.push(ch === "\\" ? pattern.charAt(++i) : ch);
      starAt.push(false);
    }
  }
  return { chars, starAt };
}

/** Wildcard operands (plain and anything-but) per field path, as the engine groups them in one byte machine. */
function collectWildcards(
  node: Record<string, unknown>,
  path: readonly string[],
  out: Map<string, Set<string>>,
) {
  for (const [key, value] of Object.entries(node)) {
    if (key === OR_KEY && Array.isArray(value)) {
      for (const alternative of value) if (isRecord(alternative)) collectWildcards(alternative, path, out);
      continue;
    }
    const childPath = [...path, ...key.split(".")];
    if (isRecord(value)) {
      collectWildcards(value, childPath, out);
      continue;
    }
    if (!Array.isArray(value)) continue;
    const found: unknown[] = [];
    for (const item of value) {
      if (!isRecord(item)) continue;
      found.push(item.wildcard);
      const but = item["anything-but"];
      if (isRecord(but)) found.push(...(Array.isArray(but.wildcard) ? but.wildcard : [but.wildcard]));
    }
    const id = childPath.join(".");
    for (const text of found) {
      if (typeof text === "string") out.set(id, (out.get(id) ?? new Set()).add(text));
    }
  }
}

function wildcardComplexityProblems(pattern: Record<string, unknown>): string[] {
  const byField = new Map<string, Set<string>>();
  collectWildcards(pattern, [], byField);
  const problems: string[] = [];
  for (const [field, texts] of byField) {
    const complexity = wildcardComplexity([...texts].map(wildcardNfa));
    if (complexity > MAX_WILDCARD_COMPLEXITY) {
      problems.push(
        `${field}: the wildcards on this field are too complex for EventBridge (complexity ${complexity}, ` +
          `at most ${MAX_WILDCARD_COMPLEXITY}); use prefix/suffix or fewer wildcards`,
      );
    }
  }
  return problems;
}

/**
 * The most (pattern, state) pairs any input value keeps alive at once: every state of a wildcard NFA can still
 * reach its match, so this is event-ruler's "number of wildcard rule prefixes matching a theoretical worst-case
 * input value". Explores the subset construction over the patterns' own characters plus one "other" character;
 * stops as soon as the limit is passed.
 */
function wildcardComplexity(nfas: readonly WildcardNfa[]): number {
  const alphabet = [...new Set(nfas.flatMap((nfa) => nfa.chars)), "\u0000"];
  const start = nfas.map((_, p) => [p, 0] as const);
  const key = (states: readonly (readonly [number, number])[]) =>
    states.map(([p, i]) => `${p}:${i}`).join(",");
  const seen = new Set([key(start)]);
  const queue = [start as readonly (readonly [number, number])[]];
  let worst = start.length;
  while (queue.length > 0 && seen.size < 5_000 && worst <= MAX_WILDCARD_COMPLEXITY) {
    const states = queue.shift() ?? [];
    for (const ch of alphabet) {
      const next = new Map<string, readonly [number, number]>();
      for (const [p, i] of states) {
        const nfa = nfas[p];
        if (nfa === undefined) continue;
        if (nfa.starAt[i] === true) next.set(`${p}:${i}`, [p, i]);
        if (nfa.chars[i] === ch) next.set(`${p}:${i + 1}`, [p, i + 1]);
      }
      const sorted = [...next.values()].sort(([a, i], [b, j]) => a - b || i - j);
      const id = key(sorted);
      if (sorted.length === 0 || seen.has(id)) continue;
      seen.add(id);
      queue.push(sorted);
      worst = Math.max(worst, sorted.length);
    }
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------------------
// numeric
// ---------------------------------------------------------------------------------------------------------

const NUMERIC_OPERATORS = new Set(["=", "<", "<=", ">", ">="]);

interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

/**
 * `["=", 5]`, `["<", 10]`, `[">", 0, "<=", 5]`: matches JSON numbers only, never numeric-looking strings.
 * The engine reads a small grammar, not a list of pairs: one comparison, or a lower bound (`>`/`>=`) followed by
 * an upper bound (`<`/`<=`). So a range written high-before-low (`["<", 10, ">", 0]`) is rejected ("Too many
 * elements in numeric expression"), and so is a range whose bottom is not below its top, even `[">=", 5, "<=", 5]`
 * ("Bottom must be less than top"): event-ruler JsonRuleCompiler.processNumericMatchExpression and Range.between.
 */
function compileNumeric(operand: unknown, where: string, problems: string[]): ValueTest | undefined {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    problems.push(`${where}: must be one comparison or a range, e.g. ["<", 10] or [">", 0, "<=", 5]`);
    return undefined;
  }
  const first = numericTerm(operand, 0, where, problems);
  if (first === undefined) return undefined;
  if (operand.length === 2) {
    if (first.op === "=") return (v) => v === first.value;
    const bound = { value: first.value, inclusive: first.op.endsWith("=") };
    return first.op.startsWith(">") ? numericRangeTest(bound, undefined) : numericRangeTest(undefined, bound);
  }
  if (first.op !== ">" && first.op !== ">=") {
    problems.push(`${where}: a range starts with its lower bound (">" or ">=") and ends with "<" or "<="`);
    return undefined;
  }
  const second = numericTerm(operand, 2, where, problems);
  if (second === undefined) return undefined;
  if (second.op !== "<" && second.op !== "<=") {
    problems.push(`${where}[2]: the upper bound of a range must be "<" or "<=", got "${second.op}"`);
    return undefined;
  }
  if (!(first.value < second.value)) {
    problems.push(`${where}: the range is empty (its lower bound must be below its upper bound)`);
    return undefined;
  }
  return numericRangeTest(
    { value: first.value, inclusive: first.op === ">=" },
    { value: second.value, inclusive: second.op === "<=" },
  );
}

function numericTerm(
  operand: readonly unknown[],
  i: number,
  where: string,
  problems: string[],
): { op: string; value: number } | undefined {
  const op: unknown = operand[i];
  const value: unknown = operand[i + 1];
  if (typeof op !== "string" || !NUMERIC_OPERATORS.has(op)) {
    const shown = typeof op === "string" ? `"${op}"` : typeName(op);
    problems.push(`${where}[${i}]: unknown numeric operator ${shown}`);
    return undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    problems.push(`${where}[${i + 1}]: the value of "${op}" must be a finite number, got ${typeName(value)}`);
    return undefined;
  }
  return { op, value };
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

/**
 * A CIDR block covers every address that shares its network bits, whatever host bits the block was written
 * with: "10.0.0.5/24" is 10.0.0.0-10.0.0.255 (event-ruler CIDR.cidr masks the address down for the bottom and
 * up for the top). The engine refuses a mask that leaves no host bits ("IPv4 mask bits must be < 32", "IPv6
 * mask bits must be < 128"): one address is written as the plain string, e.g. `["10.0.0.7"]`.
 */
function compileCidr(text: string, where: string, problems: string[]): ValueTest | undefined {
  const [address, bits, ...rest] = text.split("/");
  const base = address === undefined ? undefined : parseIp(address);
  const maxBits = base === undefined ? 0 : base.length * 8;
  if (base === undefined || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) {
    problems.push(`${where}: "${text}" is not a CIDR block such as "10.0.0.0/24" or "2001:db8::/32"`);
    return undefined;
  }
  const maskBits = Number(bits);
  if (maskBits >= maxBits) {
    problems.push(
      `${where}: mask bits must be below ${maxBits} (match a single address with the plain string "${address}")`,
    );
    return undefined;
  }
  const bottom = base.map((byte, i) => byte & ~hostBitsOfByte(i, maskBits) & 0xff);
  const top = base.map((byte, i) => byte | hostBitsOfByte(i, maskBits));
  return stringTest((v) => {
    const ip = parseIp(v);
    return (
      ip !== undefined &&
      ip.length === base.length &&
      compareBytes(ip, bottom) >= 0 &&
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
    // Own enumerable properties only, as JSON would serialize them ("constructor" is not a field). An event key
    // containing dots is a path too: the engine flattens `{ "a.b": 1 }` and `{ "a": { "b": 1 } }` alike.
    for (const key of Object.keys(object)) {
      let child: TrieNode | undefined = node;
      for (const step of key.split(".")) child = child?.children.get(step);
      if (child !== undefined) visit((object as Record<string, unknown>)[key], child, membership);
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
