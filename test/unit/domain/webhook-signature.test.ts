import { describe, expect, it } from "vitest";
import { generateWebhookSigningSecret } from "../../../shared/domain/secrets.js";
import {
  signWebhook,
  webhookMessageId,
  webhookSignatureHeaders,
  webhookTimestamp,
} from "../../../shared/domain/webhook-signature.js";
import { verifyStandardWebhook } from "../../support/fake-webhook-receiver.js";

// The reference vector of the Standard Webhooks libraries ("sign function works").
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Standard Webhooks signing", () => {
  it("produces the reference signature of the Standard Webhooks test vector", () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("sends the id, the unix-seconds timestamp and the signature over them", () => {
    const at = new Date(Number(VECTOR.timestamp) * 1000 + 999);
    expect(webhookSignatureHeaders(VECTOR.secret, VECTOR.id, at, VECTOR.body)).toEqual({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": VECTOR.timestamp,
      "webhook-signature": VECTOR.signature,
    });
    expect(webhookTimestamp(at)).toBe("1614265330");
  });

  it("signs the UTF-8 bytes of the body, verifiable by a receiver with a generated secret", () => {
    const secret = generateWebhookSigningSecret();
    const body = '{"name":"Zoë 👋"}';
    const at = new Date();
    const headers = webhookSignatureHeaders(secret, "msg_1", at, body);
    expect(verifyStandardWebhook(secret, headers, body)).toBe(true);
    expect(verifyStandardWebhook(secret, headers, '{"name":"Zoe 👋"}')).toBe(false);
    expect(verifyStandardWebhook(generateWebhookSigningSecret(), headers, body)).toBe(false);
  });

  it("changes the signature with the timestamp, the id and the body", () => {
    const base = signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(signWebhook(VECTOR.secret, VECTOR.id, "1614265331", VECTOR.body)).not.toBe(base);
    expect(signWebhook(VECTOR.secret, "msg_other", VECTOR.timestamp, VECTOR.body)).not.toBe(base);
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, `${VECTOR.body} `)).not.toBe(base);
  });

  it("refuses a secret that is not whsec_ with 24 to 64 key bytes", () => {
    expect(() => signWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", "1", "")).toThrow(/signing secret/);
    expect(() => signWebhook("whsec_c2hvcnQ=", "msg_1", "1", "")).toThrow(/signing secret/);
  });
});

describe("webhook message ids", () => {
  it("are the same for the same step of the same run, on every attempt", () => {
    expect(webhookMessageId("run_1:s1")).toBe(webhookMessageId("run_1:s1"));
    expect(webhookMessageId("run_1:s1")).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it("differ between steps and runs, and reveal neither", () => {
    const ids = new Set(["run_1:s1", "run_1:s2", "run_2:s1"].map(webhookMessageId));
    expect(ids.size).toBe(3);
    expect(webhookMessageId("run_1:s1")).not.toContain("run_1");
  });
});
