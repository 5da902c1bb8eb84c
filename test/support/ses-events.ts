/**
 * SES sending events as EventBridge delivers them from a configuration set's event destination
 * (source aws.ses, detail-types "Email Bounced" / "Email Complaint Received"; the detail is SES's
 * event record, with the message tags under detail.mail.tags as arrays, the configuration set's
 * name among them). Shapes follow the SES event-publishing examples.
 */
export const CONFIGURATION_SET = "Moments-ConfigurationSet-abc123";

function mail(workspaceId: string | undefined, destination: string[]) {
  return {
    timestamp: "2026-11-21T10:00:00.000Z",
    source: '"Anna at Acme" <anna@mail.acme.com>',
    sourceArn: "arn:aws:ses:us-east-1:123456789012:identity/mail.acme.com",
    sendingAccountId: "123456789012",
    messageId: "0100018c-aaaa-bbbb-cccc-dddddddddddd-000000",
    destination,
    headersTruncated: false,
    tags: {
      "ses:configuration-set": [CONFIGURATION_SET],
      "ses:source-ip": ["192.0.2.10"],
      "ses:from-domain": ["mail.acme.com"],
      "ses:caller-identity": ["moments-action-role"],
      ...(workspaceId === undefined ? {} : { workspace: [workspaceId] }),
      moment: ["m_1"],
      run: ["run_1"],
    },
  };
}

const envelope = (detailType: string, detail: Record<string, unknown>) => ({
  version: "0",
  id: "b1b1b1b1-2222-3333-4444-555555555555",
  "detail-type": detailType,
  source: "aws.ses",
  account: "123456789012",
  time: "2026-11-21T10:00:05Z",
  region: "us-east-1",
  resources: [`arn:aws:ses:us-east-1:123456789012:configuration-set/${CONFIGURATION_SET}`],
  detail,
});

export function bounceEvent(
  recipients: string[],
  options: { workspaceId?: string | undefined; bounceType?: string; bounceSubType?: string } = {},
) {
  const workspaceId = "workspaceId" in options ? options.workspaceId : "ws_1";
  return envelope("Email Bounced", {
    eventType: "Bounce",
    bounce: {
      feedbackId: "0100018c-bounce-feedback-000000",
      bounceType: options.bounceType ?? "Permanent",
      bounceSubType: options.bounceSubType ?? "General",
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        action: "failed",
        status: "5.1.1",
        diagnosticCode: "smtp; 550 5.1.1 user unknown",
      })),
      timestamp: "2026-11-21T10:00:04.000Z",
      reportingMTA: "dsn; a8-21.smtp-out.amazonses.com",
    },
    mail: mail(workspaceId, recipients),
  });
}

export function complaintEvent(recipients: string[], workspaceId = "ws_1") {
  return envelope("Email Complaint Received", {
    eventType: "Complaint",
    complaint: {
      feedbackId: "0100018c-complaint-feedback-000000",
      complaintSubType: null,
      complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
      timestamp: "2026-11-21T10:05:00.000Z",
      userAgent: "Mozilla/5.0",
      complaintFeedbackType: "abuse",
      arrivalDate: "2026-11-21T10:04:59.000Z",
    },
    mail: mail(workspaceId, recipients),
  });
}
