/** A tiny HTTP client for integration tests: the local stack is driven over HTTP only, as a user would. */
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
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

export interface CapturedEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

/** Emails captured by the local SES (aws-ses-v2-local's store). */
export async function sentEmails(inboxUrl: string): Promise<CapturedEmail[]> {
  const response = await fetch(new URL("/store", inboxUrl));
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}
