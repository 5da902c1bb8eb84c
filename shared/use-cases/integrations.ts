import { ConflictError, NotFoundError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import {
  applyIntegrationPatch,
  createIntegrationSchema,
  integrationIdOf,
  newIntegration,
  type StoredIntegration,
  toIntegrationView,
} from "../domain/integration.js";
import type { Moment } from "../domain/moment.js";
import { isId } from "../domain/primitives.js";
import { generateWebhookSigningSecret } from "../domain/secrets.js";
import { parseOrThrow } from "../domain/validation.js";
import type { Clock } from "../ports/clock.js";
import type { IntegrationRepository, SlackApi } from "../ports/integrations.js";
import { inUseError, liveMomentsUsing } from "./email-templates.js";
import { mapPage, parsePageQuery } from "./paging.js";

export interface IntegrationDeps {
  integrations: IntegrationRepository;
  /** Which moments use an integration (deletes are refused while a live one does). */
  moments: { listMoments(workspaceId: string): Promise<Moment[]> };
  slack: SlackApi;
  clock: Clock;
}

/**
 * Creates an integration. A webhook integration without a signing secret gets a generated one,
 * returned in this response only (as `signingSecret.value`): receivers need it to verify signatures,
 * and it is never shown again.
 */
export async function createIntegration(
  deps: Pick<IntegrationDeps, "integrations" | "clock">,
  workspaceId: string,
  body: unknown,
) {
  const input = parseOrThrow(createIntegrationSchema, body);
  const now = deps.clock.now().toISOString();
  let generated: string | undefined;
  const integration = newIntegration(
    input,
    { id: newId(), workspaceId, name: input.name, createdAt: now, updatedAt: now },
    () => {
      generated = generateWebhookSigningSecret();
      return generated;
    },
  );
  await deps.integrations.putIntegration(integration);
  const view = toIntegrationView(integration);
  if (generated !== undefined && view.kind === "webhook") {
    return { ...view, signingSecret: { ...view.signingSecret, value: generated } };
  }
  return view;
}

export async function listIntegrations(
  deps: Pick<IntegrationDeps, "integrations">,
  workspaceId: string,
  query: Record<string, string>,
) {
  const page = await deps.integrations.listIntegrations(workspaceId, parsePageQuery(query));
  return mapPage(page, toIntegrationView);
}

export async function getIntegration(
  deps: Pick<IntegrationDeps, "integrations">,
  workspaceId: string,
  integrationId: string,
) {
  return toIntegrationView(await findIntegration(deps, workspaceId, integrationId));
}

/** PATCH: a new name or a replacement secret (validated for the integration's kind). */
export async function updateIntegration(
  deps: Pick<IntegrationDeps, "integrations" | "clock">,
  workspaceId: string,
  integrationId: string,
  body: unknown,
) {
  const current = await findIntegration(deps, workspaceId, integrationId);
  const next = applyIntegrationPatch(current, body === undefined ? {} : body, deps.clock.now().toISOString());
  if (!(await deps.integrations.replaceIntegration(next, current.updatedAt))) {
    throw new ConflictError(
      "The integration was changed or deleted at the same time; read it again and retry",
    );
  }
  return toIntegrationView(next);
}

/** Refused while a moment that is not archived uses it: its runs would fail at that step. */
export async function deleteIntegration(
  deps: Pick<IntegrationDeps, "integrations" | "moments">,
  workspaceId: string,
  integrationId: string,
) {
  await findIntegration(deps, workspaceId, integrationId);
  const users = liveMomentsUsing(
    await deps.moments.listMoments(workspaceId),
    (action) => integrationIdOf(action) === integrationId,
  );
  if (users.length > 0) throw inUseError("integration", users);
  if (!(await deps.integrations.deleteIntegration(workspaceId, integrationId))) {
    throw new NotFoundError(`No integration ${integrationId}`);
  }
}

/** The channels a Slack bot can see, by name, for choosing a send_slack step's channel. */
export async function listSlackChannels(
  deps: Pick<IntegrationDeps, "integrations" | "slack">,
  workspaceId: string,
  integrationId: string,
) {
  const integration = await findIntegration(deps, workspaceId, integrationId);
  if (integration.kind !== "slack") {
    throw new ConflictError(`Integration ${integrationId} is a ${integration.kind} integration, not Slack`);
  }
  if (integration.botToken === undefined) {
    throw new ConflictError(
      "Channel listing needs a bot token: this Slack integration posts through an incoming webhook, whose channel is fixed",
    );
  }
  const { channels, truncated } = await deps.slack.listChannels(integration.botToken);
  return {
    items: [...channels].sort((a, b) => a.name.localeCompare(b.name)),
    ...(truncated ? { truncated: true } : {}),
  };
}

async function findIntegration(
  deps: Pick<IntegrationDeps, "integrations">,
  workspaceId: string,
  integrationId: string,
): Promise<StoredIntegration> {
  // An id we could never have issued is simply not found (and never reaches DynamoDB's key limits).
  const integration = isId(integrationId)
    ? await deps.integrations.getIntegration(workspaceId, integrationId)
    : undefined;
  if (!integration) throw new NotFoundError(`No integration ${integrationId.slice(0, 64)}`);
  return integration;
}
