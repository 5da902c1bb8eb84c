import { describe, expect, it } from "vitest";
import { sesClient } from "../../../shared/adapters/ses-client.js";

describe("sesClient", () => {
  it("never lets the SDK resend an email on its own (SES takes no idempotency key)", async () => {
    process.env.AWS_REGION ??= "us-east-1";
    const client = sesClient();

    expect(await client.config.maxAttempts()).toBe(1);
  });
});
