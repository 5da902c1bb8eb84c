/**
 * AWS SDK clients, created once per cold start. Endpoints are never configured here: the SDK reads
 * the standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local
 * runtime and LocalStack point the same code at emulators.
 */

import type { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export function documentClient(tracer?: Tracer): DynamoDBDocumentClient {
  const client = new DynamoDBClient({});
  tracer?.captureAWSv3Client(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
