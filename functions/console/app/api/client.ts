/**
 * The console's only way to the API: an openapi-fetch client typed by the types generated from the
 * OpenAPI document (./schema.ts). Same origin, so the session cookie goes along; every request
 * carries the CSRF header the admin API requires of cookie-authenticated writes.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema.js";

export const CSRF_HEADER = "x-moments-console";

/** Set by the shell: called when the API says the session is gone (401), to show the sign-in page. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(callback: () => void) {
  onSignedOut = callback;
}

const sessionWatch: Middleware = {
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith("/console/session")) onSignedOut();
    return undefined;
  },
};

export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
  headers: { [CSRF_HEADER]: "1" },
});
api.use(sessionWatch);

/** The API's error envelope, or what to say when there is none (network down, gateway error). */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  details?: { path?: string; message?: string }[];
}

export function apiError(error: unknown, response: Response | undefined): ApiError {
  const body = (error as { error?: Partial<ApiError> } | undefined)?.error;
  const status = response?.status ?? 0;
  if (body && typeof body.message === "string") {
    return {
      status,
      code: typeof body.code === "string" ? body.code : "error",
      message: body.message,
      ...(Array.isArray(body.details) ? { details: body.details } : {}),
    };
  }
  return {
    status,
    code: "unavailable",
    message:
      status === 0
        ? "The API could not be reached. Check your connection and try again."
        : `The API answered ${status}.`,
  };
}

/** Unwraps an openapi-fetch result: the data, or a thrown ApiError the page shows. */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw apiError(undefined, undefined);
  }
  if (result.error !== undefined || !result.response.ok) throw apiError(result.error, result.response);
  return result.data as T;
}
