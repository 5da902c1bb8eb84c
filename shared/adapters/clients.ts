/**
 * AWS SDK clients, created once per cold start. Endpoints are never configured here: the SDK reads
 * the standard AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local
 * runtime and LocalStack point the same code at emulators.
 */

import type { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { useStorableKeys } from "./dynamodb/storable-keys.js";
import { sdkClient } from "./sdk-client.js";

/**
 * How values cross into DynamoDB and back. Numbers beyond 2^53 (an order id in an event, say)
 * already lost their precision in JSON.parse: they are stored and read as the JS numbers they are,
 * rather than refused (which would lose the event) or read back as BigInt (which JSON cannot
 * serialize).
 */
const DOCUMENT_CLIENT_OPTIONS = {
  marshallOptions: {
    removeUndefinedValues: true,
    convertClassInstanceToMap: false,
    allowImpreciseNumbers: true,
  },
  unmarshallOptions: { wrapNumbers: (value: string) => Number(value) },
};

/**
 * The document client every repository uses: native JS values in and out, and any JSON key stored
 * and read back as it was given (see storable-keys.ts).
 */
export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return useStorableKeys(DynamoDBDocumentClient.from(client, DOCUMENT_CLIENT_OPTIONS));
}

export function documentClient(tracer?: Tracer, config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return documentClientOf(sdkClient(new DynamoDBClient(config), tracer));
}
