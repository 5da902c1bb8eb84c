import { MessageRejected, SESClient, SESServiceException, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { classify, SesMailer } from "../../../shared/adapters/ses-mailer.js";
import {
  AmbiguousDeliveryError,
  PermanentDeliveryError,
  TransientDeliveryError,
} from "../../../shared/domain/delivery-errors.js";
import type { OutgoingEmail } from "../../../shared/ports/delivery.js";

const ses = mockClient(SESClient);

const email: OutgoingEmail = {
  from: { name: "Anna at Acme", address: "anna@mail.acme.com" },
  to: { address: "ada@example.com" },
  cc: [{ name: "Bo", address: "bo@example.com" }],
  replyTo: { address: "support@acme.com" },
  subject: "Hi Ada — your card failed",
  text: "Card 4242 was declined.",
  html: "<p>Card 4242 was declined.</p>",
  headers: {
    "List-Unsubscribe": "<https://api.example.com/v1/unsubscribe?token=abc.def>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  },
  date: new Date("2026-11-21T10:00:00.000Z"),
  tags: { workspace: "ws_1", moment: "m.1/x", run: "run 1:ä" },
};

function mailer(configurationSetName?: string) {
  return new SesMailer(new SESClient({ region: "us-east-1" }), configurationSetName);
}

function serviceError(name: string, httpStatusCode: number) {
  return new SESServiceException({
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    message: `${name} happened`,
    $metadata: { httpStatusCode },
  });
}

function rawOf(call = 0): string {
  const data = ses.commandCalls(SendRawEmailCommand)[call]?.args[0].input.RawMessage?.Data;
  return Buffer.from(data ?? new Uint8Array()).toString("ascii");
}

beforeEach(() => {
  ses.reset();
});

afterAll(() => {
  ses.restore();
});

describe("SesMailer", () => {
  it("sends one raw message to the recipient and the cc'd, through the configuration set, with SES's message id back", async () => {
    // Prepare
    ses.on(SendRawEmailCommand).resolves({ MessageId: "0100018c-abc" });

    // Act
    const result = await mailer("moments-events").send(email);

    // Assess
    expect(result).toEqual({ messageId: "0100018c-abc" });
    const calls = ses.commandCalls(SendRawEmailCommand);
    expect(calls).toHaveLength(1);
    const { RawMessage, ...rest } = calls[0]?.args[0].input ?? {};
    expect(RawMessage?.Data).toBeInstanceOf(Uint8Array);
    expect(rest).toEqual({
      Destinations: ["ada@example.com", "bo@example.com"],
      ConfigurationSetName: "moments-events",
      Tags: [
        { Name: "workspace", Value: "ws_1" },
        { Name: "moment", Value: "m_1_x" },
        { Name: "run", Value: "run_1__" },
      ],
    });
  });

  it("writes the headers, the unsubscribe headers and both alternatives into the raw message", async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: "m" });

    await mailer().send(email);

    const raw = rawOf();
    const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
    expect(head).toContain('From: "Anna at Acme" <anna@mail.acme.com>\r\n');
    expect(head).toContain("To: ada@example.com\r\n");
    expect(head).toContain('Cc: "Bo" <bo@example.com>\r\n');
    expect(head).toContain("Reply-To: support@acme.com\r\n");
    expect(head).toContain("Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n");
    expect(head).toContain("List-Unsubscribe: <https://api.example.com/v1/unsubscribe?token=abc.def>\r\n");
    expect(head).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    expect(head).toMatch(/Content-Type: multipart\/alternative; boundary="=_moments_[0-9a-f]+"$/);
    expect(raw).toMatch(/^\p{ASCII}*$/u);
  });

  it("leaves out the cc, reply-to and configuration set when there are none", async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: "m" });
    const { cc: _cc, replyTo: _replyTo, html: _html, ...plain } = email;

    await mailer().send(plain);

    const input = ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input;
    expect(input?.Destinations).toEqual(["ada@example.com"]);
    expect(input).not.toHaveProperty("ConfigurationSetName");
    expect(rawOf()).not.toMatch(/^(Cc|Reply-To):/m);
    expect(rawOf()).toContain("Content-Type: text/plain; charset=UTF-8\r\n");
  });

  it("cuts tag values to 256 characters, as SES requires", async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: "m" });

    await mailer().send({ ...email, tags: { run: "r".repeat(300) } });

    expect(ses.commandCalls(SendRawEmailCommand)[0]?.args[0].input.Tags).toEqual([
      { Name: "run", Value: "r".repeat(256) },
    ]);
  });

  it("refuses a header value with a line break as a PermanentDeliveryError, sending nothing", async () => {
    ses.on(SendRawEmailCommand).resolves({ MessageId: "m" });

    const error = await mailer()
      .send({ ...email, subject: "Hi\r\nBcc: eve@evil.example" })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).toMatchObject({ message: "invalid_message: Subject must not contain a line break" });
    expect(ses.commandCalls(SendRawEmailCommand)).toHaveLength(0);
  });

  it("turns SES throttling into a TransientDeliveryError (retried by the workflow)", async () => {
    ses.on(SendRawEmailCommand).rejects(serviceError("Throttling", 400));

    const error = await mailer()
      .send(email)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error).toMatchObject({
      name: "TransientActionError",
      message: "SES Throttling: Throttling happened",
    });
  });

  it("reports a 5xx other than 503 as ambiguous (reconciled, not resent): SES may have sent it", async () => {
    ses.on(SendRawEmailCommand).rejects(serviceError("SomethingNew", 502));

    const error = await mailer()
      .send(email)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AmbiguousDeliveryError);
    expect((error as Error).message).toMatch(/^SES SomethingNew: .*may have been sent/);
  });

  it("reports a connection lost mid-request as ambiguous, not retried", async () => {
    ses.on(SendRawEmailCommand).rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));

    await expect(mailer().send(email)).rejects.toBeInstanceOf(AmbiguousDeliveryError);
  });

  it("retries a connection timeout (nothing was sent), but not a request timeout (it may have been)", () => {
    const connect = Object.assign(
      new Error(
        "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms.",
      ),
      { name: "TimeoutError" },
    );
    const request = Object.assign(
      new Error(
        "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 10000 ms requestTimeout.",
      ),
      { name: "TimeoutError", code: "ETIMEDOUT" },
    );

    expect(classify(connect)).toBeInstanceOf(TransientDeliveryError);
    expect(classify(request)).toBeInstanceOf(AmbiguousDeliveryError);
  });

  it("retries a connection that never opened (nothing was sent)", async () => {
    ses
      .on(SendRawEmailCommand)
      .rejects(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));

    await expect(mailer().send(email)).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it("turns MessageRejected (400) into a PermanentDeliveryError with SES's words", async () => {
    ses.on(SendRawEmailCommand).rejects(
      new MessageRejected({
        message: "Email address is not verified.",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await mailer()
      .send(email)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect(error).toMatchObject({ message: "SES MessageRejected: Email address is not verified." });
  });

  it("masks the addresses SES names, since step reasons are logged", async () => {
    ses.on(SendRawEmailCommand).rejects(
      new MessageRejected({
        message:
          "Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.com, Anna <anna@mail.acme.com>",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = (await mailer()
      .send(email)
      .catch((e: unknown) => e)) as Error;

    expect(error.message).toBe(
      "SES MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: [address], Anna <[address]>",
    );
  });

  it("bounds SES's words to 200 characters without control characters", async () => {
    ses.on(SendRawEmailCommand).rejects(
      new MessageRejected({
        message: `bad\r\nthing ${"x".repeat(400)}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = (await mailer()
      .send(email)
      .catch((e: unknown) => e)) as Error;

    expect(error.message).toMatch(/^SES MessageRejected: bad thing x+…$/);
    expect(error.message.length).toBe("SES MessageRejected: ".length + 200);
  });
});

describe("classify", () => {
  it.each([
    ["Throttling", 400],
    ["ThrottlingException", 400],
    ["ServiceUnavailable", 503],
    ["RequestTimeout", 408],
    ["AnyName", 429],
    ["AnyName", 503],
  ])("treats %s (%i) as transient: SES did not take the message", (name, status) => {
    expect(classify(serviceError(name, status))).toBeInstanceOf(TransientDeliveryError);
  });

  it.each([
    ["InternalFailure", 500],
    ["BadGateway", 502],
    ["GatewayTimeout", 504],
  ])("treats %s (%i) as ambiguous: SES may have sent it", (name, status) => {
    const error = classify(serviceError(name, status));

    expect(error).toBeInstanceOf(AmbiguousDeliveryError);
  });

  it.each([
    ["MessageRejected", 400],
    ["MailFromDomainNotVerifiedException", 400],
    ["ConfigurationSetDoesNotExist", 400],
    ["AccessDenied", 403],
  ])("treats %s (%i) as permanent", (name, status) => {
    expect(classify(serviceError(name, status))).toBeInstanceOf(PermanentDeliveryError);
  });

  it("treats something thrown that is not an Error as transient", () => {
    expect(classify("weird")).toBeInstanceOf(TransientDeliveryError);
  });
});
