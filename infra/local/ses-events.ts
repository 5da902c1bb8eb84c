/**
 * SES's sending events, locally. On AWS, a configuration set with an EventBridge destination makes
 * SES publish an `Email Sent` event (source `aws.ses`, on the default bus) for every message it takes,
 * carrying the message's tags. aws-ses-v2-local publishes nothing, so this proxy in front of it does
 * the same: for each SendRawEmail it answered 200 with a configuration set, it puts that event on the
 * local default bus, before the answer goes back (a fault proxy in front of this one may then lose
 * the answer: the event, like SES's, is published all the same).
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { type LocalProxy, type ProxiedAnswer, startProxy } from "./proxy.js";

/**
 * How long after a send the local SES's Send event reaches its targets (ses-feedback): on AWS a second
 * or more; here enough for the step to have recorded its send first, as there (normally: a thread
 * stalled longer than this lets the event overtake it, which ses-feedback handles either way), and
 * within what the local bus's idle() waits for (IDLE_RETRY_WAIT_MS).
 */
export const SES_EVENT_LATENCY_MS = 100;

/** What PutEvents takes for one entry. */
export interface SesEventEntry {
  Source: "aws.ses";
  DetailType: "Email Sent";
  Detail: string;
  EventBusName: "default";
}

/** Tags.member.N.Name / Tags.member.N.Value of a query-protocol request, as SES's event lists them. */
function tagsOf(form: URLSearchParams): Record<string, string[]> {
  const tags: Record<string, string[]> = {};
  for (let n = 1; form.has(`Tags.member.${n}.Name`); n++) {
    const name = form.get(`Tags.member.${n}.Name`) ?? "";
    tags[name] = [form.get(`Tags.member.${n}.Value`) ?? ""];
  }
  return tags;
}

function destinationsOf(form: URLSearchParams): string[] {
  const destinations: string[] = [];
  for (let n = 1; form.has(`Destinations.member.${n}`); n++)
    destinations.push(form.get(`Destinations.member.${n}`) ?? "");
  return destinations;
}

/** The `detail` SES publishes for a Send (the fields it always has; see the SES event reference). */
export function sendEventDetail(options: {
  messageId: string;
  configurationSet: string;
  tags: Record<string, string[]>;
  destination: string[];
  source?: string;
  at: Date;
}) {
  return {
    eventType: "Send",
    mail: {
      timestamp: options.at.toISOString(),
      source: options.source ?? "",
      sendingAccountId: "000000000000",
      messageId: options.messageId,
      destination: options.destination,
      headersTruncated: false,
      tags: { ...options.tags, "ses:configuration-set": [options.configurationSet] },
    },
    send: {},
  };
}

export function startLocalSesEvents(options: {
  /** aws-ses-v2-local's URL. */
  target: string;
  /** Puts the event on the local default bus; a failure is retried, then fails the send (500). */
  publish: (entry: SesEventEntry) => Promise<void>;
  host?: string;
  /** Each caller's IAM grants (iam.ts): SES's AccessDenied answer for a send its role does not allow. */
  authorize?: (headers: IncomingHttpHeaders, form: URLSearchParams) => ProxiedAnswer | undefined;
}): Promise<LocalProxy> {
  return startProxy({
    target: options.target,
    ...(options.host ? { host: options.host } : {}),
    handle: async (req, body, forward) => {
      const form = new URLSearchParams(body.toString("utf8"));
      const refusal = options.authorize?.(req.headers, form);
      if (refusal) return refusal;
      const answer = await forward();
      const configurationSet = form.get("ConfigurationSetName");
      if (answer.status !== 200 || form.get("Action") !== "SendRawEmail" || !configurationSet) return answer;
      const messageId =
        /<MessageId>([^<]+)<\/MessageId>/.exec(answer.body.toString("utf8"))?.[1] ?? randomUUID();
      const detail = sendEventDetail({
        messageId,
        configurationSet,
        tags: tagsOf(form),
        destination: destinationsOf(form),
        ...(form.get("Source") ? { source: form.get("Source") ?? "" } : {}),
        at: new Date(),
      });
      await options.publish({
        Source: "aws.ses",
        DetailType: "Email Sent",
        Detail: JSON.stringify(detail),
        EventBusName: "default",
      });
      return answer;
    },
  });
}
