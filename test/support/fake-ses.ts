/**
 * A recording front for the local SES (aws-ses-v2-local), because that emulator keeps only what
 * it parsed out of a raw message (from, to, cc, subject, bodies) and drops every other header:
 * tests that check List-Unsubscribe need the raw bytes. It takes SES v1 Query API requests as the
 * SDK sends them (POST /, form-encoded, `Authorization: AWS4-HMAC-SHA256 ...`), checks that a
 * SendRawEmail carries what SES needs (Version, base64 RawMessage.Data, Destinations, Tags), records
 * it, and forwards it unchanged to the local SES, whose answer it returns (so `sentEmails` still
 * sees every email). Told to, it answers the next requests with SES's own error responses instead.
 */
import { createServer, type ServerResponse } from "node:http";
import { listen, readBody } from "./http-fake.js";

export interface RawSend {
  destinations: string[];
  configurationSetName: string | undefined;
  tags: Record<string, string>;
  /** The message as sent: headers and body, CRLF line ends. */
  raw: string;
}

export interface FakeSes {
  url: string;
  /** SendRawEmail calls SES accepted (forwarded and answered 200), in order. */
  readonly sent: RawSend[];
  /** Every SendRawEmail call, accepted or refused. */
  readonly attempts: RawSend[];
  /** Where requests are forwarded (the local stack's SES); set once the stack is up. */
  forwardTo(url: string): void;
  /** Answer the next `count` SendRawEmail calls with SES's error `code` (Throttling, MessageRejected...). */
  failNext(count: number, code: SesErrorCode): void;
  stop(): Promise<void>;
}

export type SesErrorCode = "Throttling" | "ServiceUnavailable" | "MessageRejected";

const ERRORS: Record<SesErrorCode, { status: number; type: string; message: string }> = {
  Throttling: { status: 400, type: "Sender", message: "Maximum sending rate exceeded." },
  ServiceUnavailable: {
    status: 503,
    type: "Receiver",
    message: "Service is unavailable. Please try again later.",
  },
  MessageRejected: {
    status: 400,
    type: "Sender",
    message:
      "Email address is not verified. The following identities failed the check in region US-EAST-1: anna@mail.acme.com",
  },
};

function members(form: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let i = 1; form.has(`${prefix}.member.${i}`); i++)
    values.push(form.get(`${prefix}.member.${i}`) ?? "");
  return values;
}

function tags(form: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (let i = 1; form.has(`Tags.member.${i}.Name`); i++)
    result[form.get(`Tags.member.${i}.Name`) ?? ""] = form.get(`Tags.member.${i}.Value`) ?? "";
  return result;
}

function refuse(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(`fake-ses: ${message}`);
}

export async function startFakeSes(): Promise<FakeSes> {
  const sent: RawSend[] = [];
  const attempts: RawSend[] = [];
  const failures: SesErrorCode[] = [];
  let target: string | undefined;

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const form = new URLSearchParams(body);
    if (req.method !== "POST" || (req.url ?? "/") !== "/")
      return refuse(res, 404, `${req.method} ${req.url}`);
    if (!/^application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? ""))
      return refuse(res, 415, "SES's Query API takes a form-encoded body");
    if (!(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 "))
      return refuse(res, 403, "unsigned request");
    if (form.get("Action") === "SendRawEmail") {
      if (form.get("Version") !== "2010-12-01") return refuse(res, 400, "SES v1 wants Version=2010-12-01");
      const data = form.get("RawMessage.Data") ?? "";
      if (!/^[A-Za-z0-9+/]+=*$/.test(data)) return refuse(res, 400, "RawMessage.Data must be base64");
      const send: RawSend = {
        destinations: members(form, "Destinations"),
        configurationSetName: form.get("ConfigurationSetName") ?? undefined,
        tags: tags(form),
        raw: Buffer.from(data, "base64").toString("utf8"),
      };
      attempts.push(send);
      const failure = failures.shift();
      if (failure) {
        const error = ERRORS[failure];
        res.writeHead(error.status, { "content-type": "text/xml" });
        res.end(
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${error.type}</Type>` +
            `<Code>${failure}</Code><Message>${error.message}</Message></Error><RequestId>fake-${attempts.length}</RequestId></ErrorResponse>`,
        );
        return;
      }
      if (!target) return refuse(res, 503, "no local SES to forward to yet");
      const answer = await fetch(`${target}/`, {
        method: "POST",
        headers: {
          "content-type": req.headers["content-type"] ?? "",
          authorization: req.headers.authorization ?? "",
        },
        body,
      });
      const text = await answer.text();
      if (answer.ok) sent.push(send);
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/xml" });
      res.end(text);
      return;
    }
    return refuse(res, 400, `unexpected Action ${form.get("Action")}`);
  });
  const { port, stop } = await listen(server, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    attempts,
    forwardTo(url) {
      target = url;
    },
    failNext(count, code) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    stop,
  };
}

/** One header's value from a raw message (unfolded), or undefined. */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
