import { beforeEach, describe, expect, it } from "vitest";
import { DetailType } from "../../../shared/contracts/bus.js";
import { busDetailType } from "../../../shared/contracts/bus-details.js";
import { PayloadTooLargeError, ServiceUnavailableError } from "../../../shared/domain/errors.js";
import { OriginNotAllowedError } from "../../../shared/domain/forbidden-error.js";
import { ingestCall } from "../../../shared/use-cases/ingest.js";
import { FakePublisher, type FixedClock, fixedClock } from "../../support/fakes.js";
import { ingestDeps } from "../../support/fakes-ingestion.js";

/** A single identify call (POST /v1/identify). */
const ingestIdentify = (
  deps: Parameters<typeof ingestCall>[0],
  owner: Parameters<typeof ingestCall>[1],
  body: unknown,
  origin?: string,
) => ingestCall(deps, owner, body, "identify", origin);

const owner = { workspaceId: "ws_1", sourceId: "src_1", allowedDomains: ["app.acme.com"] };
const RECEIVED_AT = "2026-11-21T10:00:00.000Z";

let publisher: FakePublisher;
let clock: FixedClock;

beforeEach(() => {
  publisher = new FakePublisher();
  clock = fixedClock(RECEIVED_AT);
});

describe("ingestIdentify", () => {
  it("puts an Identify Received detail with account and user traits on the bus", async () => {
    // Act
    const result = await ingestIdentify(ingestDeps(publisher, clock), owner, {
      accountId: "acct_1",
      userId: "user_1",
      messageId: "idf-1",
      timestamp: "2026-11-21T11:00:00+01:00",
      traits: { organization_name: "Acme", arr: 120_000, plan: "pro" },
      userTraits: { first_name: "Ada", email: "ada@acme.com", role: "admin" },
    });

    // Assess
    expect(result).toEqual({ messageId: "idf-1" });
    expect(publisher.published).toEqual([
      {
        workspaceId: "ws_1",
        sourceId: "src_1",
        messageId: "idf-1",
        accountId: "acct_1",
        userId: "user_1",
        timestamp: "2026-11-21T10:00:00.000Z",
        receivedAt: RECEIVED_AT,
        traits: { organization_name: "Acme", arr: 120_000, plan: "pro" },
        userTraits: { first_name: "Ada", email: "ada@acme.com", role: "admin" },
      },
    ]);
    expect(publisher.published[0] && busDetailType(publisher.published[0])).toBe(DetailType.identifyReceived);
  });

  it("generates a messageId when none is given and leaves absent parts out", async () => {
    const result = await ingestIdentify(ingestDeps(publisher, clock), owner, {
      accountId: "acct_1",
      traits: { plan: "pro" },
    });

    expect(result.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(publisher.published[0]).toEqual({
      workspaceId: "ws_1",
      sourceId: "src_1",
      messageId: result.messageId,
      accountId: "acct_1",
      timestamp: RECEIVED_AT,
      receivedAt: RECEIVED_AT,
      traits: { plan: "pro" },
    });
  });

  it("refuses user traits without a userId with 400 naming userTraits", async () => {
    await expect(
      ingestIdentify(ingestDeps(publisher, clock), owner, {
        accountId: "a",
        userTraits: { first_name: "Ada" },
      }),
    ).rejects.toMatchObject({ statusCode: 400, details: [{ path: "userTraits" }] });
    expect(publisher.published).toEqual([]);
  });

  it("refuses an identify over 32 KB with 413", async () => {
    const error = await ingestIdentify(ingestDeps(publisher, clock), owner, {
      accountId: "a",
      traits: { notes: "x".repeat(33 * 1024) },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toMatch(/An identify may be at most 32 KB/);
  });

  it("refuses a browser on an origin the source does not allow, before reading the body", async () => {
    await expect(
      ingestIdentify(ingestDeps(publisher, clock), owner, { nope: true }, "https://evil.com"),
    ).rejects.toBeInstanceOf(OriginNotAllowedError);
    expect(publisher.published).toEqual([]);
  });

  it("does not answer success when the bus refused it", async () => {
    publisher.failWith = new ServiceUnavailableError("bus down");

    await expect(
      ingestIdentify(ingestDeps(publisher, clock), owner, { accountId: "a", traits: { plan: "pro" } }),
    ).rejects.toMatchObject({ statusCode: 503 });
  });
});
