/**
 * Answers a CloudFormation custom resource request: a PUT of the outcome to the pre-signed
 * ResponseURL. Without an answer the stack waits an hour, so callers must answer in every case.
 */
export interface CustomResourceEvent {
  RequestType: "Create" | "Update" | "Delete";
  /** The template's type, e.g. `Custom::MomentsFirstAdminKey`: one function serves several. */
  ResourceType?: string;
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
}

export async function sendCustomResourceResponse(
  event: CustomResourceEvent,
  outcome: { status: "SUCCESS" | "FAILED"; physicalResourceId: string; reason?: string },
  send: typeof fetch = fetch,
  retryDelayMs = 500,
): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    // CloudFormation shows the reason to the operator; it must never carry a secret.
    Reason: outcome.reason ?? "See the function's CloudWatch logs",
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // A lost answer leaves the stack waiting until the resource's service timeout: a network error or a 5xx
  // from S3 is retried (three attempts, backing off), a 4xx (an expired or wrong URL) is not.
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      const response = await send(event.ResponseURL, {
        method: "PUT",
        // The pre-signed URL is signed for an empty content type.
        headers: { "content-type": "", "content-length": String(Buffer.byteLength(body)) },
        body,
      });
      if (response.ok) return;
      failure = `CloudFormation response was refused: HTTP ${response.status}`;
      if (response.status < 500) throw new Error(failure);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("CloudFormation response was refused"))
        throw error;
      failure = `CloudFormation response could not be sent: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (attempt >= RESPONSE_ATTEMPTS) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
  }
}

const RESPONSE_ATTEMPTS = 3;
