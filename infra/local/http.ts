/**
 * Minimal server for AWS "JSON RPC" protocols (awsJson1_0 / awsJson1_1), built on node:http only.
 *
 * Both protocols are the same on the wire: `POST /`, the operation in `X-Amz-Target: <Prefix>.<Operation>`,
 * a JSON body, and errors as a JSON body whose `__type` names the error. The SDK v3 deserializer
 * (`loadJsonRpcErrorCode` in @smithy/core) reads `__type` first, then a `code` field, then the
 * `x-amzn-errortype` header, and keeps only the part after `#` and before `:`; we send both `__type`
 * and the header so older and newer SDKs agree on the error name.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type LogHook = (entry: Record<string, unknown>) => void;

/** A modelled service error: the SDK turns `code` into the thrown exception's `name`. */
export class AwsApiError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, statusCode = 400, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.statusCode = statusCode;
    this.extra = extra;
  }
}

export type JsonOperation = (input: Record<string, unknown>) => unknown;

export interface JsonRpcServerOptions {
  /** Used in log entries only. */
  service: string;
  /** `X-Amz-Target` prefix, e.g. "AWSStepFunctions" or "AWSEvents". */
  targetPrefix: string;
  /** e.g. "application/x-amz-json-1.0". */
  contentType: string;
  /** Prepended to modelled error codes in `__type`, e.g. "com.amazonaws.swf.service.v2.model#". */
  errorTypePrefix?: string;
  operations: Record<string, JsonOperation>;
  /** Authorization (iam.ts): the refusal of a parsed request, or undefined to run it. */
  authorize?: (
    headers: IncomingHttpHeaders,
    operation: string,
    input: Record<string, unknown>,
  ) => AwsApiError | undefined;
  host: string;
  port: number;
  /** Requests above this size are rejected before parsing; default 2 MiB. */
  maxBodyBytes?: number;
  onLog?: LogHook;
}

export interface JsonRpcServer {
  endpoint: string;
  /** The server's request listener (message-transport.ts serves it without a socket). */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads an optional string member; a present non-string value is a client error, as on AWS. */
export function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new AwsApiError("SerializationException", `Member '${member}' must be a string`);
  }
  return value;
}

/** Reads a required string member with the message the real services give for a missing one. */
export function requiredString(input: Record<string, unknown>, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined) {
    throw new AwsApiError(
      "ValidationException",
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

const FRONT_END_ERRORS = new Set([
  "UnknownOperationException",
  "SerializationException",
  "InternalFailure",
  "RequestEntityTooLargeException",
  // Authorization is the front end's too.
  "AccessDeniedException",
]);

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining after the limit so the client sees our error response, not a reset socket.
      if (size > maxBytes) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) reject(new BodyTooLargeError());
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  statusCode: number,
  contentType: string,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  res.writeHead(statusCode, {
    "Content-Type": contentType,
    "Content-Length": payload.length,
    "x-amzn-RequestId": randomUUID(),
    ...extraHeaders,
  });
  res.end(payload);
}

export function startJsonRpcServer(options: JsonRpcServerOptions): Promise<JsonRpcServer> {
  const log: LogHook = options.onLog ?? (() => {});
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const errorTypePrefix = options.errorTypePrefix ?? "";

  const sendError = (res: ServerResponse, error: AwsApiError): void => {
    // Protocol-level errors (unknown operation, bad JSON) come from the AWS front end, which uses its
    // own namespace; the SDK strips everything before '#', so only the short name really matters.
    const namespace = FRONT_END_ERRORS.has(error.code) ? "com.amazon.coral.service#" : errorTypePrefix;
    const type = `${namespace}${error.code}`;
    send(
      res,
      error.statusCode,
      options.contentType,
      { ...error.extra, __type: type, message: error.message },
      { "x-amzn-ErrorType": error.code },
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.headers["x-amz-target"];
    const prefix = `${options.targetPrefix}.`;
    const operationName =
      typeof target === "string" && target.startsWith(prefix) ? target.slice(prefix.length) : undefined;

    let raw: string;
    try {
      raw = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendError(res, new AwsApiError("RequestEntityTooLargeException", "Request is too large", 413));
        return;
      }
      throw error;
    }

    const operation =
      req.method === "POST" && operationName !== undefined && Object.hasOwn(options.operations, operationName)
        ? options.operations[operationName]
        : undefined;
    if (operation === undefined) {
      log({
        level: "warn",
        service: options.service,
        message: "unknown operation",
        target,
        method: req.method,
      });
      sendError(res, new AwsApiError("UnknownOperationException", "Unknown operation", 400));
      return;
    }

    let input: unknown;
    try {
      input = raw.trim() === "" ? {} : JSON.parse(raw);
    } catch {
      sendError(res, new AwsApiError("SerializationException", "Request body is not valid JSON"));
      return;
    }
    if (!isRecord(input)) {
      sendError(res, new AwsApiError("SerializationException", "Request body must be a JSON object"));
      return;
    }

    const refusal = options.authorize?.(req.headers, operationName ?? "", input);
    if (refusal) {
      sendError(res, refusal);
      return;
    }
    try {
      const output = await operation(input);
      send(res, 200, options.contentType, output ?? {});
    } catch (error) {
      if (error instanceof AwsApiError) {
        log({
          level: "debug",
          service: options.service,
          message: "operation failed",
          operation: operationName,
          errorCode: error.code,
          errorMessage: error.message,
        });
        sendError(res, error);
        return;
      }
      log({
        level: "error",
        service: options.service,
        message: "operation crashed",
        operation: operationName,
        error: error instanceof Error ? error.stack : String(error),
      });
      // 500 so the SDK treats it as a retryable server fault, like an AWS InternalFailure.
      sendError(res, new AwsApiError("InternalFailure", "Internal failure", 500));
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      log({
        level: "error",
        service: options.service,
        message: "request handling crashed",
        error: error instanceof Error ? error.stack : String(error),
      });
      if (!res.headersSent) {
        sendError(res, new AwsApiError("InternalFailure", "Internal failure", 500));
      } else {
        res.destroy();
      }
    });
  };
  const server = createServer(listener);

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      const endpoint = `http://${host}:${address.port}`;
      log({ level: "info", service: options.service, message: "listening", endpoint });
      resolve({
        endpoint,
        listener,
        close: () =>
          new Promise<void>((resolveClose) => {
            // The SDK's HTTP agent keeps sockets alive; without closing them, close() would wait
            // for the client's idle timeout and keep the test worker alive.
            server.close(() => resolveClose());
            server.closeAllConnections();
          }),
      });
    });
  });
}
