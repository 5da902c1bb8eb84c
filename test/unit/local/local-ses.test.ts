/**
 * The local SES's inbox (aws-ses-v2-local keeps one per process, whatever the number of servers):
 * emptied when the process's last local SES stops, so a stack started after another in the same
 * process (test files run one after another in one) starts with an empty inbox.
 */
import { SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { startLocalSes } from "../../../infra/local/stack.js";
import { sentEmails } from "../../support/local-api.js";

const send = (url: string, to: string) =>
  new SESClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  }).send(
    new SendEmailCommand({
      Source: "team@example.com",
      Destination: { ToAddresses: [to] },
      Message: { Subject: { Data: "Hi" }, Body: { Text: { Data: "Hello" } } },
    }),
  );

describe("the local SES's inbox", () => {
  it("is kept while a local SES runs, and empty for the next once the last one stops", async () => {
    const first = await startLocalSes("127.0.0.1");
    const second = await startLocalSes("127.0.0.1");
    expect((await send(first.url, "ada@example.com")).MessageId).toBeTruthy();
    await second.stop();
    expect((await sentEmails(first.url)).map((email) => email.destination.to)).toEqual([["ada@example.com"]]);
    await first.stop();
    const next = await startLocalSes("127.0.0.1");
    try {
      expect(await sentEmails(next.url)).toEqual([]);
    } finally {
      await next.stop();
    }
  });
});
