import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** Liveness of the API itself; deliberately touches no dependency and needs no key. */
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  body: JSON.stringify({ ok: true }),
});
