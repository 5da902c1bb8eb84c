import { readEnv } from "../../shared/config.js";
import { Env } from "../../shared/contracts/functions.js";
import type { Action } from "../../shared/domain/actions.js";
import { loadOnce } from "../../shared/load-once.js";
import { systemClock } from "../../shared/ports/clock.js";
import type { ActionPerformer, ActionPerformers } from "../../shared/use-cases/actions/action.js";
import type { WiringContext } from "./providers/context.js";

export type { WiringContext } from "./providers/context.js";

type Clients = Pick<WiringContext, "db" | "tracer" | "integrations" | "profiles">;
type Wiring = (context: WiringContext) => ActionPerformers;

/** Each provider's wiring (one file per provider), as the function loads it. */
export type ProviderWirings = Record<ProviderName, () => Promise<Wiring>>;
type ProviderName = "email" | "inApp" | "slack" | "attio" | "webhook";

/**
 * The performers of a function holding these clients (the action function, and the admin function
 * for test sends), configured from its environment, read once at cold start.
 */
export function performersFor(
  clients: Clients,
  budget: WiringContext["budget"],
  providers: ProviderWirings,
): ActionPerformers {
  const env = readEnv([Env.tableName, Env.eventBusName, Env.publicApiUrl]);
  return createPerformers(
    {
      ...clients,
      tableName: env.TABLE_NAME,
      eventBusName: env.EVENT_BUS_NAME,
      sesConfigurationSet: process.env[Env.sesConfigurationSet] || undefined,
      publicApiUrl: env.MOMENTS_PUBLIC_API_URL,
      clock: systemClock,
      env: process.env,
      budget,
    },
    providers,
  );
}

/** The provider that performs each action type (the compiler checks that none is left out). */
export const providerOf: Record<Action["type"], ProviderName> = {
  send_email: "email",
  send_notification: "inApp",
  feedback_prompt: "inApp",
  update_attribute: "inApp",
  send_slack: "slack",
  create_attio_task: "attio",
  send_webhook: "webhook",
};

/**
 * Every action type's performer. Each provider is wired once per cold start, on its first action,
 * and its performers (and the clients they hold) are kept for the life of the execution environment.
 */
export function createPerformers(context: WiringContext, providers: ProviderWirings): ActionPerformers {
  const wired = new Map<ProviderName, () => Promise<ActionPerformers>>();
  const wire = (provider: ProviderName) => {
    let performers = wired.get(provider);
    if (!performers) {
      performers = loadOnce(() => providers[provider]().then((wiring) => wiring(context)));
      wired.set(provider, performers);
    }
    return performers();
  };
  const performers: Record<string, ActionPerformer> = {};
  for (const [type, provider] of Object.entries(providerOf)) {
    performers[type] = async (ctx, action) => {
      const performer = (await wire(provider))[type as Action["type"]] as ActionPerformer | undefined;
      if (!performer) throw new Error(`The ${provider} provider wires no ${type} performer`);
      return performer(ctx, action);
    };
  }
  return performers as ActionPerformers;
}
