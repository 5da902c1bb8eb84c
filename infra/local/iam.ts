/**
 * Each function's IAM grants, enforced by the local services as AWS enforces them on the deployed
 * roles: a call its role does not allow fails with the error AWS returns, on a laptop and in every
 * test, rather than after `cdk deploy`.
 *
 * The grants come from the synthesized template (iam-grants.generated.ts, written by
 * `npm run generate:grants`; a test fails when it differs from a fresh synth). Who calls is the
 * request's SigV4 access key id: the local runtime runs each handler as `local-<function id>` (see
 * caller.ts); any other key (a test's or a script's own client) has full access, as an admin would.
 *
 * What is evaluated: Allow statements (the roles have no Deny) with actions, resource ARNs (IAM
 * wildcards) and the one condition the app uses, `ForAllValues:StringLike` on
 * `dynamodb:LeadingKeys`. DynamoDB transactions are authorized per contained operation (PutItem,
 * UpdateItem, DeleteItem, ConditionCheckItem, GetItem), batches per table, as AWS documents.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { type FunctionId, functionIds } from "../../shared/contracts/functions.js";
import { table } from "../../shared/contracts/table.js";
import { AwsApiError } from "./http.js";
import { deployedGrants } from "./iam-grants.generated.js";

/** One Allow statement of a role, for the services emulated locally, with ARNs as `${Placeholder}` patterns. */
export interface Grant {
  actions: string[];
  resources: string[];
  /** `ForAllValues:StringLike` on `dynamodb:LeadingKeys`: every partition key touched matches one. */
  leadingKeys?: string[];
}

export type FunctionGrants = Record<FunctionId, Grant[]>;

/** The services whose calls are authorized locally (their IAM action prefixes). */
export const ENFORCED_SERVICES = ["dynamodb", "states", "events", "ses"] as const;

/** What the `${...}` placeholders of the generated grants stand for in one deployment. */
export interface IamPlaceholders {
  "AWS::Partition": string;
  "AWS::Region": string;
  "AWS::AccountId": string;
  Table: string;
  EventBus: string;
  StateMachine: string;
  ConfigurationSet: string;
}

/** One authorization a request needs: an action on a resource (and, for items, their partition keys). */
export interface AccessRequest {
  action: string;
  resource: string;
  /** The partition key values the request touches; undefined when they cannot be known (Query). */
  leadingKeys?: string[];
}

type Matcher = (value: string) => boolean;

/** IAM's wildcards: `*` any run of characters, `?` one character; everything else literal. */
function wildcard(pattern: string, ignoreCase = false): Matcher {
  if (!/[*?]/.test(pattern)) {
    if (!ignoreCase) return (value) => value === pattern;
    const lower = pattern.toLowerCase();
    return (value) => value.toLowerCase() === lower;
  }
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
  return (value) => regex.test(value);
}

interface CompiledGrant {
  action: Matcher;
  resources: Matcher[];
  leadingKeys?: Matcher[];
}

export function substitute(pattern: string, values: IamPlaceholders): string {
  return pattern.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    const value = (values as unknown as Record<string, string | undefined>)[name];
    if (value === undefined) throw new Error(`Unknown placeholder ${whole} in a generated grant`);
    return value;
  });
}

/** The roles' policies, compiled once: `denied` is called for every request a function makes. */
export class LocalPolicies {
  private readonly byFunction = new Map<string, CompiledGrant[]>();

  constructor(
    grants: FunctionGrants,
    private readonly values: IamPlaceholders,
  ) {
    for (const [fn, statements] of Object.entries(grants)) {
      this.byFunction.set(
        fn,
        statements.flatMap((grant) => {
          const resources = grant.resources.map((r) => wildcard(substitute(r, values)));
          const leadingKeys = grant.leadingKeys?.map((k) => wildcard(k));
          return grant.actions.map((action) => ({
            action: wildcard(action, true),
            resources,
            ...(leadingKeys ? { leadingKeys } : {}),
          }));
        }),
      );
    }
  }

  /** The first of `requests` that no statement of the function's role allows; undefined when all are allowed. */
  denied(fn: FunctionId, requests: readonly AccessRequest[]): AccessRequest | undefined {
    const statements = this.byFunction.get(fn) ?? [];
    return requests.find((request) => !statements.some((grant) => allows(grant, request)));
  }

  /** The ARN of the role's session, as AWS names the caller in an AccessDenied message. */
  principal(fn: FunctionId): string {
    const partition = this.values["AWS::Partition"];
    return `arn:${partition}:sts::${this.values["AWS::AccountId"]}:assumed-role/moments-${fn}-role/moments-${fn}`;
  }

  /** The message the JSON services (DynamoDB, Step Functions, EventBridge) give for an implicit deny. */
  deniedMessage(fn: FunctionId, request: AccessRequest): string {
    return `User: ${this.principal(fn)} is not authorized to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows the ${request.action} action`;
  }

  arn(service: string, resource: string): string {
    return `arn:${this.values["AWS::Partition"]}:${service}:${this.values["AWS::Region"]}:${this.values["AWS::AccountId"]}:${resource}`;
  }
}

function allows(grant: CompiledGrant, request: AccessRequest): boolean {
  if (!grant.action(request.action) || !grant.resources.some((matches) => matches(request.resource)))
    return false;
  if (!grant.leadingKeys) return true;
  // Keys that cannot be known are not assumed to match: stricter than AWS rather than looser.
  const keys = request.leadingKeys;
  if (keys === undefined) return false;
  const patterns = grant.leadingKeys;
  return keys.every((key) => patterns.some((matches) => matches(key)));
}

const callers: ReadonlySet<string> = new Set(functionIds);

/**
 * The function a request comes from: its SigV4 access key id is `local-<function id>` (caller.ts).
 * Undefined for any other caller, which is not restricted.
 */
export function callerOf(headers: IncomingHttpHeaders): FunctionId | undefined {
  const authorization = headers.authorization;
  if (typeof authorization !== "string") return undefined;
  const start = authorization.indexOf("Credential=local-");
  if (start < 0) return undefined;
  const from = start + "Credential=local-".length;
  const fn = authorization.slice(from, authorization.indexOf("/", from));
  return callers.has(fn) ? (fn as FunctionId) : undefined;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The string partition key of an item or key in wire format (`{ pk: { S: "..." } }`). */
function partitionKeyOf(item: unknown, attribute: string): string | undefined {
  if (!isObject(item)) return undefined;
  const value = item[attribute];
  return isObject(value) && typeof value.S === "string" ? value.S : undefined;
}

const keysOf = (items: unknown[], attribute: string): string[] | undefined => {
  const keys = items.map((item) => partitionKeyOf(item, attribute));
  return keys.every((key): key is string => key !== undefined) ? keys : undefined;
};

const TRANSACT_WRITE_ACTIONS: Record<string, { action: string; member: "Item" | "Key" }> = {
  Put: { action: "dynamodb:PutItem", member: "Item" },
  Update: { action: "dynamodb:UpdateItem", member: "Key" },
  Delete: { action: "dynamodb:DeleteItem", member: "Key" },
  ConditionCheck: { action: "dynamodb:ConditionCheckItem", member: "Key" },
};

/**
 * What a DynamoDB request needs authorized. `partitionKey` names the tables' partition key
 * attribute (the app's one table: shared/contracts/table.ts). Malformed input yields what can be
 * read of it: DynamoDB validates the rest.
 */
export function dynamoAccessRequests(
  policies: LocalPolicies,
  operation: string,
  input: Json,
  partitionKey: string,
): AccessRequest[] {
  const tableArn = (name: unknown) => policies.arn("dynamodb", `table/${String(name)}`);
  const item = (action: string, tableName: unknown, source: unknown): AccessRequest => {
    const key = partitionKeyOf(source, partitionKey);
    return { action, resource: tableArn(tableName), ...(key === undefined ? {} : { leadingKeys: [key] }) };
  };
  switch (operation) {
    case "GetItem":
    case "UpdateItem":
    case "DeleteItem":
      return [item(`dynamodb:${operation}`, input.TableName, input.Key)];
    case "PutItem":
      return [item("dynamodb:PutItem", input.TableName, input.Item)];
    case "Query":
    case "Scan":
      return [
        {
          action: `dynamodb:${operation}`,
          resource:
            typeof input.IndexName === "string"
              ? `${tableArn(input.TableName)}/index/${input.IndexName}`
              : tableArn(input.TableName),
        },
      ];
    case "BatchGetItem":
    case "BatchWriteItem": {
      const tables = isObject(input.RequestItems) ? input.RequestItems : {};
      return Object.entries(tables).map(([name, entry]) => {
        const sources =
          operation === "BatchGetItem"
            ? isObject(entry) && Array.isArray(entry.Keys)
              ? entry.Keys
              : []
            : (Array.isArray(entry) ? entry : []).map((write: unknown) =>
                isObject(write)
                  ? isObject(write.PutRequest)
                    ? write.PutRequest.Item
                    : isObject(write.DeleteRequest)
                      ? write.DeleteRequest.Key
                      : undefined
                  : undefined,
              );
        const keys = keysOf(sources, partitionKey);
        return {
          action: `dynamodb:${operation}`,
          resource: tableArn(name),
          ...(keys === undefined ? {} : { leadingKeys: keys }),
        };
      });
    }
    case "TransactWriteItems":
    case "TransactGetItems":
      return (Array.isArray(input.TransactItems) ? input.TransactItems : []).flatMap((entry: unknown) => {
        if (!isObject(entry)) return [];
        if (operation === "TransactGetItems")
          return isObject(entry.Get) ? [item("dynamodb:GetItem", entry.Get.TableName, entry.Get.Key)] : [];
        return Object.entries(TRANSACT_WRITE_ACTIONS).flatMap(([member, { action, member: keyMember }]) => {
          const part = entry[member];
          return isObject(part) ? [item(action, part.TableName, part[keyMember])] : [];
        });
      });
    default:
      return [
        {
          action: `dynamodb:${operation}`,
          resource: input.TableName === undefined ? "*" : tableArn(input.TableName),
        },
      ];
  }
}

/** What a Step Functions request needs authorized: the operation on the machine or execution it names. */
export function stepFunctionsAccessRequests(operation: string, input: Json): AccessRequest[] {
  const resource = input.executionArn ?? input.stateMachineArn ?? "*";
  return [{ action: `states:${operation}`, resource: String(resource) }];
}

/** What an EventBridge PutEvents needs: events:PutEvents on every bus its entries name. */
export function eventBridgeAccessRequests(policies: LocalPolicies, operation: string, input: Json) {
  const entries = Array.isArray(input.Entries) ? input.Entries : [];
  const buses = new Set(
    entries.map((entry: unknown) =>
      isObject(entry) && typeof entry.EventBusName === "string" ? entry.EventBusName : "default",
    ),
  );
  if (buses.size === 0) buses.add("default");
  return [...buses].map((bus) => ({
    action: `events:${operation}`,
    resource: bus.startsWith("arn:") ? bus : policies.arn("events", `event-bus/${bus}`),
  }));
}

/**
 * What an SES (v1, query protocol) send needs: the action on the sending identity (the From
 * address's domain) and on the configuration set it names.
 */
export function sesAccessRequests(policies: LocalPolicies, form: URLSearchParams): AccessRequest[] {
  const action = form.get("Action") ?? "";
  let from = form.get("Source") ?? "";
  if (from === "" && action === "SendRawEmail") {
    const raw = Buffer.from(form.get("RawMessage.Data") ?? "", "base64").toString("latin1");
    const header = /^From:(.*(?:\r?\n[ \t].*)*)/im.exec(raw.split(/\r?\n\r?\n/, 1)[0] ?? "")?.[1] ?? "";
    from = /[^\s<>"@,;]+@([^\s<>"@,;]+)/.exec(header)?.[0] ?? "";
  }
  const identity = from.includes("@") ? from.slice(from.lastIndexOf("@") + 1).replace(/>.*$/, "") : from;
  const requests: AccessRequest[] = [
    { action: `ses:${action}`, resource: policies.arn("ses", `identity/${identity}`) },
  ];
  const configurationSet = form.get("ConfigurationSetName");
  if (configurationSet)
    requests.push({
      action: `ses:${action}`,
      resource: policies.arn("ses", `configuration-set/${configurationSet}`),
    });
  return requests;
}

/** SES's (query protocol) AccessDenied answer: 403, with its own message wording. */
export function sesAccessDenied(policies: LocalPolicies, fn: FunctionId, request: AccessRequest) {
  const message = `User \`${policies.principal(fn)}' is not authorized to perform \`${request.action}' on resource \`${request.resource}'`;
  const escaped = message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return {
    status: 403,
    headers: { "content-type": "text/xml" },
    body: Buffer.from(
      `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n    <Message>${escaped}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
    ),
  };
}

/**
 * The checks each local service runs at its front door, for the grants given (default: the
 * deployed ones) in the deployment `values` describes.
 */
export function localAccess(values: IamPlaceholders, grants: FunctionGrants = deployedGrants) {
  const policies = new LocalPolicies(grants, values);
  const deniedBy = (fn: FunctionId, requests: AccessRequest[]) => policies.denied(fn, requests);
  const jsonDenied = (fn: FunctionId, denied: AccessRequest) =>
    new AwsApiError("AccessDeniedException", policies.deniedMessage(fn, denied));
  return {
    policies,
    /** For the DynamoDB transaction proxy (dynamodb-transactions.ts): a 400 AccessDeniedException. */
    dynamodb: {
      callerOf,
      check(caller: string, operation: string, input: Json) {
        const fn = caller as FunctionId;
        const denied = deniedBy(fn, dynamoAccessRequests(policies, operation, input, table.partitionKey));
        return denied === undefined
          ? undefined
          : {
              status: 400,
              body: {
                __type: "com.amazon.coral.service#AccessDeniedException",
                message: policies.deniedMessage(fn, denied),
              },
            };
      },
    },
    /** For the local Step Functions' JSON server (http.ts). */
    stepFunctions(headers: IncomingHttpHeaders, operation: string, input: Json): AwsApiError | undefined {
      const fn = callerOf(headers);
      if (fn === undefined) return undefined;
      const denied = deniedBy(fn, stepFunctionsAccessRequests(operation, input));
      return denied && jsonDenied(fn, denied);
    },
    /** For the local EventBridge's JSON server (http.ts). */
    eventBridge(headers: IncomingHttpHeaders, operation: string, input: Json): AwsApiError | undefined {
      const fn = callerOf(headers);
      if (fn === undefined) return undefined;
      const denied = deniedBy(fn, eventBridgeAccessRequests(policies, operation, input));
      return denied && jsonDenied(fn, denied);
    },
    /** For the SES proxy (ses-events.ts): SES's 403 AccessDenied, or undefined when allowed. */
    ses(headers: IncomingHttpHeaders, form: URLSearchParams) {
      const fn = callerOf(headers);
      if (fn === undefined) return undefined;
      const denied = deniedBy(fn, sesAccessRequests(policies, form));
      return denied && sesAccessDenied(policies, fn, denied);
    },
  };
}

export type LocalAccess = ReturnType<typeof localAccess>;
