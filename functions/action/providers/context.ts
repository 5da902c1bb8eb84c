import type { Tracer } from "@aws-lambda-powertools/tracer";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "../../../shared/ports/clock.js";
import type { IntegrationReader } from "../../../shared/ports/integrations.js";
import type { ProfileRepository } from "../../../shared/ports/profiles.js";

/**
 * What every provider's wiring may use: the clients built once per cold start by the function that
 * performs actions (the action function, and the admin function for test sends). A client only one
 * provider needs (SES for email, EventBridge for attribute updates) is built by that provider's
 * wiring, when its first action loads it (functions/action/performers.ts), with this tracer.
 */
export interface WiringContext {
  db: DynamoDBDocumentClient;
  tableName: string;
  eventBusName: string;
  /** Traces the clients a provider builds (undefined: tracing off). */
  tracer: Tracer | undefined;
  /** SES configuration set named on every send (bounce and complaint events); absent locally. */
  sesConfigurationSet: string | undefined;
  /** The API's public base URL (unsubscribe links); a test send passes the URL it was called on. */
  publicApiUrl: string | undefined;
  integrations: IntegrationReader;
  profiles: ProfileRepository;
  clock: Clock;
  /** Optional overrides (provider base URLs, the loopback opt-in): process.env in Lambda. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * How long a provider call may take. `step` (the action function, 30 s): full timeouts and one
   * short Retry-After waited out inline. `interactive` (test sends from the admin function, 15 s,
   * while an admin waits): shorter timeouts and no inline waits; a rate limit is reported at once.
   */
  budget: "step" | "interactive";
}
