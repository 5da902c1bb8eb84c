/**
 * Answers a CloudFormation custom resource request: a PUT of the outcome to the pre-signed
 * ResponseURL. Without an answer the stack waits an hour, so callers must answer in every case.
 */
export interface CustomResourceEvent {
  RequestType: "Create" | "Update" | "Delete";
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
  const response = await send(event.ResponseURL, {
    method: "PUT",
    // The pre-signed URL is signed for an empty content type.
    headers: { "content-type": "", "content-length": String(Buffer.byteLength(body)) },
    body,
  });
  if (!response.ok) throw new Error(`CloudFormation response was refused: HTTP ${response.status}`);
}
