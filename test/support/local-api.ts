/** A tiny HTTP client for integration tests: the local stack is driven over HTTP only, as a user would. */
import { computeUserToken, USER_TOKEN_HEADER } from "../../shared/domain/user-token.js";
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export function apiClient(baseUrl: string) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    // The console's routes answer HTML and scripts; everything else JSON.
    const isJson = /json/.test(response.headers.get("content-type") ?? "application/json");
    return { status: response.status, body: (text ? (isJson ? JSON.parse(text) : text) : undefined) as T };
  };
}

export interface CapturedEmail {
  messageId: string;
  from: string;
  replyTo?: string[];
  /** Each header as the local SES's parser wrote it ("a@x.io, b@x.io" is one entry). */
  destination: { to: string[]; cc?: string[]; bcc?: string[] };
  subject: string;
  /**
   * The bodies as the template rendered them: the footer every email carries ("\n\n--\nUnsubscribe:
   * <url>", see shared/use-cases/actions/email.ts) is split off the text into `unsubscribeLink`.
   */
  body: { text?: string; html?: string };
  unsubscribeLink?: string;
}

const TEXT_FOOTER = /\n\n--\nUnsubscribe: (\S+)\n?$/;

/**
 * Emails captured by the local SES (aws-ses-v2-local's store, which parses raw messages and keeps
 * no other header than from, reply-to, to and cc: see test/support/fake-ses.ts for the raw bytes).
 */
export async function sentEmails(inboxUrl: string): Promise<CapturedEmail[]> {
  const response = await fetch(new URL("/store", inboxUrl));
  const { emails } = (await response.json()) as { emails: CapturedEmail[] };
  return emails.map((email) => {
    const footer = email.body.text === undefined ? null : TEXT_FOOTER.exec(email.body.text);
    if (!footer || email.body.text === undefined) return email;
    return {
      ...email,
      body: { ...email.body, text: email.body.text.slice(0, footer.index) },
      unsubscribeLink: footer[1] ?? "",
    };
  });
}

/** The header a browser sends to prove its user: what the app's backend computes (see README). */
export function userTokenHeader(identitySecret: string, accountId: string, userId?: string) {
  return { [USER_TOKEN_HEADER]: computeUserToken(identitySecret, { accountId, userId }) };
}
