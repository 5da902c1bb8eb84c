import { MessageRejected, SESClient, SESServiceException, SendEmailCommand } from "@aws-sdk/client-ses";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { classify, SesMailer } from "../../../shared/adapters/ses-mailer.js";
import { PermanentDeliveryError, TransientDeliveryError } from "../../../shared/domain/delivery-errors.js";
import type { OutgoingEmail } from "../../../shared/ports/delivery.js";

const ses = mockClient(SESClient);

const email: OutgoingEmail = {
  from: '"Anna at Acme" <anna@mail.acme.com>',
  to: "ada@example.com",
  subject: "Hi Ada — your card failed",
  text: "Card 4242 was declined.",
  html: "<p>Card 4242 was declined.</p>",
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

beforeEach(() => {
  ses.reset();
});

afterAll(() => {
  ses.restore();
});

describe("SesMailer", () => {
  it("sends a UTF-8 text and html message and answers SES's message id", async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: "0100018c-abc" });

    // Act
    const result = await mailer("moments-events").send(email);

    // Assess
    expect(result).toEqual({ messageId: "0100018c-abc" });
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Source: '"Anna at Acme" <anna@mail.acme.com>',
      Destination: { ToAddresses: ["ada@example.com"] },
      Message: {
        Subject: { Data: "Hi Ada — your card failed", Charset: "UTF-8" },
        Body: {
          Text: { Data: "Card 4242 was declined.", Charset: "UTF-8" },
          Html: { Data: "<p>Card 4242 was declined.</p>", Charset: "UTF-8" },
        },
      },
      ConfigurationSetName: "moments-events",
      Tags: [
        { Name: "workspace", Value: "ws_1" },
        { Name: "moment", Value: "m_1_x" },
        { Name: "run", Value: "run_1__" },
      ],
    });
  });

  it("leaves out the html part and the configuration set when there are none", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "m" });
    const { html: _html, ...textOnly } = email;

    await mailer().send(textOnly);

    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.Message?.Body).not.toHaveProperty("Html");
    expect(input).not.toHaveProperty("ConfigurationSetName");
  });

  it("cuts tag values to 256 characters, as SES requires", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: "m" });

    await mailer().send({ ...email, tags: { run: "r".repeat(300) } });

    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Tags).toEqual([
      { Name: "run", Value: "r".repeat(256) },
    ]);
  });

  it("turns SES throttling into a TransientDeliveryError (retried by the workflow)", async () => {
    ses.on(SendEmailCommand).rejects(serviceError("Throttling", 400));

    const error = await mailer()
      .send(email)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error).toMatchObject({
      name: "TransientActionError",
      message: "SES Throttling: Throttling happened",
    });
  });

  it("turns a 5xx into a TransientDeliveryError", async () => {
    ses.on(SendEmailCommand).rejects(serviceError("SomethingNew", 502));

    await expect(mailer().send(email)).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it("turns a network error without a response into a TransientDeliveryError", async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));

    await expect(mailer().send(email)).rejects.toBeInstanceOf(TransientDeliveryError);
  });

  it("turns MessageRejected (400) into a PermanentDeliveryError", async () => {
    ses.on(SendEmailCommand).rejects(
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
});

describe("classify", () => {
  it.each([
    ["Throttling", 400],
    ["ThrottlingException", 400],
    ["ServiceUnavailable", 503],
    ["InternalFailure", 500],
    ["RequestTimeout", 408],
    ["AnyName", 429],
  ])("treats %s (%i) as transient", (name, status) => {
    expect(classify(serviceError(name, status))).toBeInstanceOf(TransientDeliveryError);
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
