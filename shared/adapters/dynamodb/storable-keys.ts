/**
 * Map keys as DynamoDB and the JS SDK can carry them. Free-form JSON (event properties, traits,
 * webhook headers, condition values) may use any key, but three layers below us cannot store some:
 *
 * - DynamoDB refuses an empty attribute name at any depth (dynalite accepts it; AWS does not), so an
 *   event with a `""` property key would be accepted, then refused by the matcher's write;
 * - the SDK's JSON (de)serializer, like any `obj[key] = value` on a plain object, drops `__proto__`;
 * - the document client's marshaller picks a value's type from `value.constructor.name`, so an object
 *   with its own `constructor` key is taken for a class instance and refused (or worse: a
 *   `{ "constructor": { "name": "String" } }` would be stored as the string "[object Object]").
 *
 * Those three keys, and any key starting with the escape character, are stored with `~` prepended and
 * read back without it. Every other key is stored as it is, so the table stays readable.
 *
 * `storableKeysMiddleware` applies this to every request and answer of a document client: the keys of
 * every object in a request (items, keys, values, and the names an expression uses) and of every
 * object in an answer. Our own attribute names (`pk`, `traits`, `eventCount#…`) never need escaping.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

const ESCAPE = "~";

/** The key as it is stored. */
export function storedKey(key: string): string {
  return key === "" || key === "__proto__" || key === "constructor" || key.startsWith(ESCAPE)
    ? `${ESCAPE}${key}`
    : key;
}

/** The key as it was given, from its stored form. */
export function readKey(key: string): string {
  return key.startsWith(ESCAPE) ? key.slice(ESCAPE.length) : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a JSON-like value with every object key renamed. Sets, buffers and other class instances
 * are left alone (their members are values, not keys). Object.fromEntries defines each key as an own
 * property, so even `__proto__` stays a key rather than becoming a prototype.
 */
export function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameKeys(item, rename));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [rename(key), renameKeys(item, rename)]),
  );
}

const mapValues = (object: Record<string, unknown>, map: (value: unknown) => unknown) =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));

/** Escapes the names an expression uses (`{ "#t0": "constructor" }`): they address stored keys. */
function withStoredNames(request: unknown): unknown {
  if (!isPlainObject(request) || !isPlainObject(request.ExpressionAttributeNames)) return request;
  return {
    ...request,
    ExpressionAttributeNames: mapValues(request.ExpressionAttributeNames, (name) =>
      typeof name === "string" ? storedKey(name) : name,
    ),
  };
}

/**
 * A request with its keys stored: every object's keys, and the expression names of the command, of
 * each part of a transaction (`TransactItems[].Update`…) and of each table of a batch get.
 */
export function storedRequest(input: Record<string, unknown>): unknown {
  let request = withStoredNames(input) as Record<string, unknown>;
  if (Array.isArray(request.TransactItems))
    request = {
      ...request,
      TransactItems: request.TransactItems.map((item) =>
        isPlainObject(item) ? mapValues(item, withStoredNames) : item,
      ),
    };
  if (isPlainObject(request.RequestItems))
    request = { ...request, RequestItems: mapValues(request.RequestItems, withStoredNames) };
  return renameKeys(request, storedKey);
}

/**
 * Installs the key codec on a document client: it runs first on the way in (before the document
 * client marshals) and last on the way out (after it unmarshals).
 */
export function useStorableKeys(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next({
        ...args,
        input: storedRequest(args.input as Record<string, unknown>) as typeof args.input,
      });
      return { ...result, output: renameKeys(result.output, readKey) as typeof result.output };
    },
    { step: "initialize", name: "StorableKeys", override: true },
  );
  return client;
}
