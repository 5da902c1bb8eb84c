/** A new moment: from a catalog template (its goal under its name) or blank; a source is required. */
import { useRef, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import type { Duration, MomentInput } from "../api/types.js";
import { href, location, navigate } from "../router.js";
import {
  Async,
  Empty,
  ErrorSummary,
  Field,
  FieldErrors,
  FieldGroup,
  PageHeader,
  useResource,
} from "../ui.js";
import { TimeFrameInput } from "./moment.js";
import { DurationInput } from "./moment-rules.js";
import { GOALS, GoalField } from "./moments.js";

const goalLabel = (goal: string) => GOALS.find(([g]) => g === goal)?.[1] ?? goal;

export function NewMomentPage() {
  const templates = useResource(() => call(api.GET("/v1/admin/moment-templates")), []);
  const sources = useResource(
    () => call(api.GET("/v1/admin/sources", { params: { query: { limit: "200" } } })),
    [],
  );
  const [template, setTemplate] = useState(location.value.query.get("template") ?? "");
  const [name, setName] = useState("");
  // The name follows the chosen template until the user writes their own.
  const [ownName, setOwnName] = useState(false);
  const followTemplate = (templateName: string) => {
    if (!ownName || name === "") {
      setName(templateName);
      setOwnName(false);
    }
  };
  const [description, setDescription] = useState<string | undefined>();
  const [goal, setGoal] = useState("other");
  const [event, setEvent] = useState("");
  const [sourceIds, setSourceIds] = useState<string[]>([]);
  const [settings, setSettings] = useState<Record<string, Duration>>({});
  const [timeFrame, setTimeFrame] = useState<MomentInput["timeFrame"]>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const chosen = templates.data?.items.find((t) => t.key === template);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        ...(chosen
          ? {
              template: chosen.key,
              name,
              sourceIds,
              description: description ?? chosen.description,
              settings,
            }
          : { name, goal, sourceIds, description: description ?? "", start: { event } }),
        ...(timeFrame ? { timeFrame } : {}),
      };
      const created = await call(api.POST("/v1/admin/moments", { body: body as never }));
      navigate(`/moments/${created.id}`);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader crumbs={[{ label: "Moments", href: href("/moments") }]} title="New moment" />
      <Async resource={sources} what="sources">
        {(s) =>
          s.items.length === 0 ? (
            <Empty>
              <p>A moment needs a source: where its events come from (your web app, your backend…).</p>
              <a class="button primary" href={href("/sources?next=new-moment")}>
                Create a source first
              </a>
            </Empty>
          ) : (
            <form onSubmit={create} ref={form}>
              <section class="card" aria-labelledby="template-title">
                <h2 id="template-title">Start from</h2>
                <Async resource={templates} what="templates">
                  {(t) => (
                    <div class="template-grid" role="radiogroup" aria-labelledby="template-title">
                      <label class={`template-option ${template === "" ? "selected" : ""}`}>
                        <input
                          type="radio"
                          name="template"
                          checked={template === ""}
                          onChange={() => {
                            setTemplate("");
                            followTemplate("");
                          }}
                        />
                        <strong>Blank moment</strong>
                        <span class="muted small">Your own start event, rules and steps</span>
                      </label>
                      {t.items.map((item) => (
                        <label
                          key={item.key}
                          class={`template-option ${template === item.key ? "selected" : ""}`}
                        >
                          <input
                            type="radio"
                            name="template"
                            checked={template === item.key}
                            onChange={() => {
                              setTemplate(item.key);
                              setDescription(undefined);
                              setSettings(Object.fromEntries(item.settings.map((x) => [x.key, x.default])));
                              followTemplate(item.name);
                            }}
                          />
                          <strong>{item.name}</strong>
                          <span class="muted small">{goalLabel(item.goal)}</span>
                        </label>
                      ))}
                    </div>
                  )}
                </Async>
              </section>
              <FieldErrors error={error}>
                <section class="card" aria-labelledby="details-title">
                  <h2 id="details-title">Details</h2>
                  <Field label="Name" path="name">
                    <input
                      required
                      value={name}
                      onInput={(e) => {
                        setName(e.currentTarget.value);
                        setOwnName(true);
                      }}
                    />
                  </Field>
                  <Field label="Description" path="description">
                    <textarea
                      value={description ?? chosen?.description ?? ""}
                      onInput={(e) => setDescription(e.currentTarget.value)}
                    />
                  </Field>
                  {chosen?.settings.map((setting) => (
                    <DurationInput
                      key={setting.key}
                      label={setting.label}
                      path={`settings.${setting.key}`}
                      value={settings[setting.key] ?? setting.default}
                      onChange={(value) => setSettings({ ...settings, [setting.key]: value })}
                    />
                  ))}
                  {!chosen && (
                    <div class="row">
                      <GoalField value={goal} onChange={setGoal} />
                      <Field
                        label="Start event"
                        path="start.event"
                        hint="The event that starts the moment for an account."
                      >
                        <input required value={event} onInput={(e) => setEvent(e.currentTarget.value)} />
                      </Field>
                    </div>
                  )}
                  <TimeFrameInput value={timeFrame} onChange={setTimeFrame} />
                  <FieldGroup legend="Sources (required)" path="sourceIds">
                    {s.items.map((source) => (
                      <label class="check" key={source.id}>
                        <input
                          type="checkbox"
                          checked={sourceIds.includes(source.id)}
                          onChange={(e) =>
                            setSourceIds(
                              e.currentTarget.checked
                                ? [...sourceIds, source.id]
                                : sourceIds.filter((x) => x !== source.id),
                            )
                          }
                        />
                        {source.name}
                      </label>
                    ))}
                  </FieldGroup>
                  {error && <ErrorSummary error={error} title="Not created" root={form} />}
                  <button type="submit" class="primary" disabled={busy || sourceIds.length === 0}>
                    {busy ? "Creating…" : "Create moment"}
                  </button>
                  {sourceIds.length === 0 && <p class="hint">Choose at least one source.</p>}
                </section>
              </FieldErrors>
            </form>
          )
        }
      </Async>
    </>
  );
}
