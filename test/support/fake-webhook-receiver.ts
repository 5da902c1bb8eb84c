/**
 * A webhook receiver on localhost that behaves like a careful Standard Webhooks consumer: with a
 * signing secret it verifies `webhook-signature` over `<id>.<timestamp>.<body>` with the secret's
 * key bytes, compares in constant time, refuses a timestamp more than 5 minutes off (401 either
 * way), and dedupes deliveries on `webhook-id`. It records every request, and can be told to answer
 * the next requests with a given status (503, 429 with Retry-After, 400 with an error text) or to
 * redirect. The verification is written here from the specification, independently of the signer
 * under test.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listen, readBody } from "./http-fake.js";

export interface ReceivedWebhook {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names, as node gives them. */
  headers: Record<string, string | undefined>;
  body: string;
  /** `absent` without a secret or without the headers; `invalid` also for a stale timestamp. */
  signature: "valid" | "invalid" | "absent";
  at: number;
}

export interface ScriptedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface FakeWebhookReceiver {
  /** `http://<host>:<port>`; the receiver answers on any path. */
  url: string;
  port: number;
  readonly requests: ReceivedWebhook[];
  /** webhook-ids it acted on (2xx), once each: the deliveries a deduping receiver performs. */
  readonly deliveries: string[];
  /** Verify signatures with this secret (`whsec_...`); without one, signatures are not checked. */
  useSecret(secret: string | undefined): void;
  /** Answer the next `count` requests (to `path`, or to any path) with this response. */
  respondNext(count: number, response: ScriptedResponse, path?: string): void;
  /** Answer every request to `path` with this response (a redirect, an error), until cleared. */
  respondOn(path: string, response: ScriptedResponse | undefined): void;
  requestsTo(path: string): ReceivedWebhook[];
  stop(): Promise<void>;
}

const TOLERANCE_SECONDS = 5 * 60;

/**
 * Header names lower-cased, repeated ones joined with ", ", read from the raw headers: node's
 * `req.headers` drops a header named `__proto__`, and a receiver should see what was sent.
 */
function receivedHeaders(raw: readonly string[]): Record<string, string> {
  const joined = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? "").toLowerCase();
    const previous = joined.get(name);
    joined.set(name, previous === undefined ? (raw[i + 1] ?? "") : `${previous}, ${raw[i + 1] ?? ""}`);
  }
  return Object.fromEntries(joined);
}

/** A Standard Webhooks receiver's check, as its reference libraries do it. */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, encoded] = entry.split(",", 2);
    if (version !== "v1" || encoded === undefined) return false;
    const given = Buffer.from(encoded, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export async function startFakeWebhookReceiver(
  options: { host?: string; secret?: string } = {},
): Promise<FakeWebhookReceiver> {
  const host = options.host ?? "127.0.0.1";
  let secret = options.secret;
  const requests: ReceivedWebhook[] = [];
  const deliveries: string[] = [];
  const script: Array<{ response: ScriptedResponse; path: string | undefined }> = [];
  const byPath = new Map<string, ScriptedResponse>();

  const answer = (res: ServerResponse, response: ScriptedResponse) => {
    res.writeHead(response.status, {
      ...(response.body !== undefined ? { "content-type": "text/plain; charset=utf-8" } : {}),
      ...response.headers,
    });
    res.end(response.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? host}`);
    const headers = receivedHeaders(req.rawHeaders);
    const signed = headers["webhook-signature"] !== undefined;
    const signature =
      secret === undefined || !signed
        ? "absent"
        : verifyStandardWebhook(secret, headers, body)
          ? "valid"
          : "invalid";
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      signature,
      at: Date.now(),
    });
    if (secret !== undefined && signature !== "valid")
      return answer(res, { status: 401, body: "invalid signature" });
    const next = script.findIndex((entry) => entry.path === undefined || entry.path === url.pathname);
    const scripted = next >= 0 ? script.splice(next, 1)[0]?.response : byPath.get(url.pathname);
    if (scripted) return answer(res, scripted);
    const id = headers["webhook-id"];
    if (id !== undefined && !deliveries.includes(id)) deliveries.push(id);
    return answer(res, { status: 204 });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  const { port, stop } = await listen(server, host);

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    requests,
    deliveries,
    useSecret(next) {
      secret = next;
    },
    respondNext(count, response, path) {
      for (let i = 0; i < count; i++) script.push({ response, path });
    },
    respondOn(path, response) {
      if (response) byPath.set(path, response);
      else byPath.delete(path);
    },
    requestsTo: (path) => requests.filter((request) => request.path === path),
    stop,
  };
}

/**
 * A receiver that verifies what a new webhook integration of the scenario's workspace signs: the
 * integration is created (its secret shown once, as an admin would copy it into the receiver).
 */
export async function startReceiverWithIntegration(
  admin: (
    method: string,
    path: string,
    body?: unknown,
  ) => Promise<{ status: number; body: { id: string; signingSecret: { value: string } } }>,
  name: string,
): Promise<{ receiver: FakeWebhookReceiver; integrationId: string }> {
  const receiver = await startFakeWebhookReceiver();
  const integration = await admin("POST", "/v1/admin/integrations", { kind: "webhook", name });
  if (integration.status !== 201)
    throw new Error(`Creating the webhook integration answered ${integration.status}`);
  receiver.useSecret(integration.body.signingSecret.value);
  return { receiver, integrationId: integration.body.id };
}
