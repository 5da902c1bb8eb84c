import { describe, expect, it, vi } from "vitest";
import {
  type CustomResourceEvent,
  sendCustomResourceResponse,
} from "../../../shared/adapters/cloudformation-response.js";

const event: CustomResourceEvent = {
  RequestType: "Create",
  ResponseURL: "https://cloudformation-custom-resource-response.example/abc?sig=1",
  StackId: "stack",
  RequestId: "req",
  LogicalResourceId: "FirstAdminKey",
  ResourceProperties: {},
};
const outcome = { status: "SUCCESS" as const, physicalResourceId: "first-admin-key" };

describe("sendCustomResourceResponse", () => {
  it("retries a network error and a 5xx, so a transient failure does not leave the stack waiting", async () => {
    const send = vi
      .fn<typeof fetch>()
      .mockRejectedValueOnce(new TypeError("fetch failed"))
      .mockResolvedValueOnce(new Response("", { status: 503 }))
      .mockResolvedValueOnce(new Response("", { status: 200 }));

    await sendCustomResourceResponse(event, outcome, send, 1);

    expect(send).toHaveBeenCalledTimes(3);
  });

  it("gives up after three attempts, with the last failure", async () => {
    const send = vi.fn<typeof fetch>().mockResolvedValue(new Response("", { status: 500 }));
    await expect(sendCustomResourceResponse(event, outcome, send, 1)).rejects.toThrow(/HTTP 500/);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it("does not retry a 4xx: the pre-signed URL is wrong or expired", async () => {
    const send = vi.fn<typeof fetch>().mockResolvedValue(new Response("", { status: 403 }));
    await expect(sendCustomResourceResponse(event, outcome, send, 1)).rejects.toThrow(/HTTP 403/);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
