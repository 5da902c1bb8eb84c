import { beforeEach, describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "../../../shared/domain/errors.js";
import { suppressionRoutes } from "../../../shared/http/admin-routes/suppressions.js";
import {
  listSuppressions,
  removeSuppression,
  unsubscribe,
  unsubscribeLink,
  viewUnsubscribe,
} from "../../../shared/use-cases/unsubscribe.js";
import { FakeSuppressionList, FakeUnsubscribeKeys } from "../../support/fake-suppressions.js";
import { fixedClock } from "../../support/fakes.js";

const NOW = "2026-11-21T10:00:00.000Z";
let keys: FakeUnsubscribeKeys;
let suppressions: FakeSuppressionList;
const deps = () => ({ keys, suppressions, clock: fixedClock(NOW) });
const tokenOf = (url: string) => new URL(url).searchParams.get("token") ?? undefined;

beforeEach(() => {
  keys = new FakeUnsubscribeKeys();
  suppressions = new FakeSuppressionList();
});

async function linkFor(workspaceId: string, address: string) {
  return unsubscribeLink(
    { keys, publicApiUrl: "https://api.example.com/" },
    workspaceId,
    address,
    new Date(NOW),
  );
}

describe("unsubscribe", () => {
  it("suppresses the address the link was made for, in its workspace, with the domain lower-cased", async () => {
    const link = await linkFor("ws_1", "Ada@Example.com");

    const result = await unsubscribe(deps(), tokenOf(link));

    expect(result).toEqual({
      workspaceId: "ws_1",
      address: "A***@example.com",
      unsubscribed: true,
      changed: true,
    });
    expect(await suppressions.getSuppression("ws_1", "Ada@example.com")).toEqual({
      address: "Ada@example.com",
      reason: "unsubscribed",
      suppressedAt: NOW,
    });
    expect(await suppressions.getSuppression("ws_2", "Ada@example.com")).toBeUndefined();
  });

  it("keeps working after the workspace's key was rotated", async () => {
    const link = await linkFor("ws_1", "ada@example.com");
    await keys.rotateSigningKey("ws_1");

    await expect(unsubscribe(deps(), tokenOf(link))).resolves.toMatchObject({ changed: true });
  });

  it("refuses a token signed for another workspace's key with a 400 naming token", async () => {
    const theirs = await linkFor("ws_2", "ada@example.com");
    const [payload] = (tokenOf(theirs) ?? "").split(".");
    const [, mine] = (tokenOf(await linkFor("ws_1", "ada@example.com")) ?? "").split(".");

    const error = await unsubscribe(deps(), `${payload}.${mine}`).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      { path: "token", message: "is not a valid unsubscribe link" },
    ]);
    expect(suppressions.items.size).toBe(0);
  });

  it("viewing changes nothing", async () => {
    const link = await linkFor("ws_1", "ada@example.com");

    const view = await viewUnsubscribe(deps(), tokenOf(link));

    expect(view).toEqual({ workspaceId: "ws_1", address: "a***@example.com", unsubscribed: false });
    expect(suppressions.items.size).toBe(0);
  });
});

describe("admin suppression list", () => {
  beforeEach(async () => {
    for (const address of ["b@x.io", "a@x.io"])
      await suppressions.suppress("ws_1", { address, reason: "bounced", suppressedAt: NOW });
    await suppressions.suppress("ws_2", { address: "c@x.io", reason: "complained", suppressedAt: NOW });
  });

  it("lists the workspace's suppressions only, in pages", async () => {
    const page = await listSuppressions(deps(), "ws_1", { limit: "1" });

    expect(page.items.map((s) => s.address)).toEqual(["a@x.io"]);
    // The next page ends the listing without another workspace's c@x.io.
    const next = await listSuppressions(deps(), "ws_1", { limit: "1", cursor: page.nextCursor ?? "" });
    const rest = next.nextCursor
      ? await listSuppressions(deps(), "ws_1", { limit: "1", cursor: next.nextCursor })
      : { items: [] };
    expect([...next.items, ...rest.items].map((s) => s.address)).toEqual(["b@x.io"]);
    await expect(listSuppressions(deps(), "ws_1", { limit: "0" })).rejects.toThrow(ValidationError);
  });

  it("lifts a suppression by address (domain case ignored), and 404s one that is not suppressed", async () => {
    await removeSuppression(deps(), "ws_1", "a@X.IO");

    expect(await suppressions.getSuppression("ws_1", "a@x.io")).toBeUndefined();
    await expect(removeSuppression(deps(), "ws_1", "c@x.io")).rejects.toThrow(NotFoundError);
    await expect(removeSuppression(deps(), "ws_1", "not an address")).rejects.toThrow(ValidationError);
  });

  it("serves both under /v1/admin, the DELETE answering 204", async () => {
    const routes = suppressionRoutes({ suppressions });
    const request = { routeKey: "", headers: {}, body: undefined };

    const list = await routes["GET /v1/admin/suppressions"]?.("ws_1", { ...request, path: {}, query: {} });
    const removed = await routes["DELETE /v1/admin/suppressions/{address}"]?.("ws_1", {
      ...request,
      path: { address: "b@x.io" },
      query: {},
    });

    expect(list).toMatchObject({
      statusCode: 200,
      body: { items: [{ address: "a@x.io" }, { address: "b@x.io" }] },
    });
    expect(removed).toEqual({ statusCode: 204, body: undefined });
  });
});
