/** Environment the handlers read at import; set before importing them. */
export function setHandlerEnv() {
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    TABLE_NAME: "moments-test",
    EVENT_BUS_NAME: "moments-test",
    STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:moments-run",
    MOMENTS_TIME_SCALE: "1",
    MOMENTS_PUBLIC_API_URL: "https://api.example.com",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_TRACE_ENABLED: "false",
  });
}

export const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: "moments-test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:moments-test",
  memoryLimitInMB: "512",
  awsRequestId: "req-1",
  logGroupName: "/aws/lambda/moments-test",
  logStreamName: "test",
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};
