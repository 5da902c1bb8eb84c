/** Integrations (Slack, Attio, webhook signing): secrets are write-only, shown as set/last 4 only. */
import { useRef, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import {
  Async,
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  formatTime,
  PageHeader,
  Pager,
  ShownOnce,
  TableWrap,
  usePager,
  useResource,
} from "../ui.js";

type Kind = "slack" | "attio" | "webhook";
const SECRET_FIELD: Record<Kind, [string, string]> = {
  slack: ["botToken", "Bot token (xoxb-…) or leave empty and give a webhook URL"],
  attio: ["accessToken", "Access token"],
  webhook: ["signingSecret", "Signing secret (optional: one is generated)"],
};

function masked(value: unknown): string {
  const v = value as { set?: boolean; last4?: string } | undefined;
  return v?.set ? `set (…${v.last4})` : "not set";
}

export function IntegrationsPage() {
  const pager = usePager();
  const integrations = useResource(
    () =>
      call(
        api.GET("/v1/admin/integrations", {
          params: { query: { limit: "25", ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  const [kind, setKind] = useState<Kind>("slack");
  const [name, setName] = useState("");
  const [secret, setSecret] = useState("");
  const [webhookUrl, setWebhookUrl] = useState("");
  const [error, setError] = useState<ApiError | undefined>();
  const [generated, setGenerated] = useState<string | undefined>();
  const addButton = useRef<HTMLButtonElement>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setGenerated(undefined);
    const body =
      kind === "slack"
        ? { kind, name, ...(secret ? { botToken: secret } : { webhookUrl }) }
        : kind === "attio"
          ? { kind, name, accessToken: secret }
          : { kind, name, ...(secret ? { signingSecret: secret } : {}) };
    try {
      const created = await call(api.POST("/v1/admin/integrations", { body: body as never }));
      if (created.kind === "webhook" && created.signingSecret.set && created.signingSecret.value) {
        setGenerated(created.signingSecret.value);
      }
      setName("");
      setSecret("");
      setWebhookUrl("");
      integrations.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <>
      <PageHeader
        title="Integrations"
        subtitle="Slack, Attio and webhook signing. Secrets are write-only: never shown again."
      />
      <form class="card" onSubmit={create} aria-labelledby="new-integration">
        <h2 id="new-integration">New integration</h2>
        <div class="row">
          <Field label="Kind">
            <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
              <option value="slack">Slack</option>
              <option value="attio">Attio</option>
              <option value="webhook">Webhook signing</option>
            </select>
          </Field>
          <Field label="Integration name">
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
        </div>
        <Field label={SECRET_FIELD[kind][1]}>
          <input
            type="password"
            autoComplete="off"
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </Field>
        {kind === "slack" && !secret && (
          <Field label="Incoming webhook URL">
            <input
              type="password"
              autoComplete="off"
              value={webhookUrl}
              onInput={(e) => setWebhookUrl(e.currentTarget.value)}
            />
          </Field>
        )}
        {error && <ErrorBox error={error} title="Not created" />}
        <button type="submit" class="primary" ref={addButton}>
          Add integration
        </button>
      </form>
      {generated && (
        <ShownOnce
          secret={generated}
          what="signing secret"
          returnFocus={addButton}
          onDone={() => setGenerated(undefined)}
        />
      )}
      <Async resource={integrations} what="integrations">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No integration yet.</Empty>
          ) : (
            <>
              <TableWrap label="Integrations">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Secrets</th>
                      <th scope="col">Updated</th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((i) => (
                      <tr key={i.id}>
                        <td>{i.name}</td>
                        <td>{i.kind}</td>
                        <td class="small">
                          {i.kind === "slack"
                            ? `bot token ${masked(i.botToken)}, webhook ${masked(i.webhookUrl)}`
                            : i.kind === "attio"
                              ? `access token ${masked(i.accessToken)}`
                              : `signing secret ${masked(i.signingSecret)}`}
                        </td>
                        <td class="small">{formatTime(i.updatedAt)}</td>
                        <td class="num">
                          <ConfirmButton
                            label={`Delete ${i.name}`}
                            danger
                            question={
                              <p>Delete this integration? Steps that use it must stop using it first.</p>
                            }
                            action={async () => {
                              await call(
                                api.DELETE("/v1/admin/integrations/{id}", { params: { path: { id: i.id } } }),
                              );
                              integrations.reload();
                            }}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <Pager pager={pager} nextCursor={data.nextCursor} label="Integrations" />
            </>
          )
        }
      </Async>
    </>
  );
}
