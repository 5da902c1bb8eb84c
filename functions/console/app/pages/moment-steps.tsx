/** A moment's steps by phase, with a form per action type and a test (preview, then real send). */
import { useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import type { Action, ActionType, Step } from "../api/types.js";
import { EmailRendering } from "../email-rendering.js";
import { ErrorBox, Field, useResource } from "../ui.js";
import { DurationInput } from "./moment-rules.js";

const PHASES: [Step["phase"], string, string][] = [
  ["entry", "Entry steps", "Run after the moment starts for an account, each after its delay."],
  ["completion", "Completion steps", "Run after the run ends with a success outcome."],
  ["exit", "Exit steps", "Run after the run ends with a failed outcome."],
];

const ACTIONS: [ActionType, string][] = [
  ["send_email", "Send an email"],
  ["send_notification", "In-app notification"],
  ["feedback_prompt", "Feedback prompt"],
  ["send_slack", "Slack message"],
  ["create_attio_task", "Attio task"],
  ["send_webhook", "Webhook"],
  ["update_attribute", "Update an attribute"],
];

function blankAction(type: ActionType): Action {
  switch (type) {
    case "send_email":
      return { type, templateId: "" } as Action;
    case "send_notification":
      return { type, title: "", body: "" } as Action;
    case "feedback_prompt":
      return { type, question: "How was it?" } as Action;
    case "send_slack":
      return { type, integrationId: "", text: "" } as Action;
    case "create_attio_task":
      return { type, integrationId: "", content: "" } as Action;
    case "send_webhook":
      return { type, method: "POST", url: "https://" } as Action;
    case "update_attribute":
      return { type, scope: "account", attribute: "", value: "" } as Action;
  }
}

function nextStepId(steps: Step[]): string {
  for (let n = steps.length + 1; ; n++) if (!steps.some((s) => s.id === `step-${n}`)) return `step-${n}`;
}

export function StepsEditor({
  momentId,
  steps,
  onChange,
  dirty,
}: {
  momentId: string;
  steps: Step[];
  onChange: (next: Step[]) => void;
  /** Unsaved edits: a test runs the saved step, so say so. */
  dirty: boolean;
}) {
  const set = (id: string, next: Step) => onChange(steps.map((s) => (s.id === id ? next : s)));
  return (
    <>
      {PHASES.map(([phase, title, help]) => {
        const ofPhase = steps.filter((s) => (s.phase ?? "entry") === phase);
        return (
          <section key={phase} class="phase" aria-labelledby={`phase-${phase}`}>
            <h3 id={`phase-${phase}`}>{title}</h3>
            <p class="muted small">{help}</p>
            {ofPhase.length === 0 && <p class="muted small">None.</p>}
            <ol class="steps">
              {ofPhase.map((step) => (
                <li key={step.id}>
                  <StepForm
                    momentId={momentId}
                    step={step}
                    dirty={dirty}
                    onChange={(next) => set(step.id, next)}
                    onRemove={() => onChange(steps.filter((s) => s.id !== step.id))}
                  />
                </li>
              ))}
            </ol>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                onChange([
                  ...steps,
                  {
                    id: nextStepId(steps),
                    phase,
                    delay: { amount: 0, unit: "minutes" },
                    action: blankAction("send_notification"),
                  } as Step,
                ])
              }
            >
              Add {phase} step
            </button>
          </section>
        );
      })}
    </>
  );
}

function StepForm({
  momentId,
  step,
  dirty,
  onChange,
  onRemove,
}: {
  momentId: string;
  step: Step;
  dirty: boolean;
  onChange: (next: Step) => void;
  onRemove: () => void;
}) {
  const label = step.name || step.id;
  return (
    <fieldset class="step">
      <legend>
        Step <code>{step.id}</code> {step.name ? `· ${step.name}` : ""}
      </legend>
      <div class="row">
        <Field label={`${label}: name`}>
          <input
            value={step.name ?? ""}
            onInput={(e) => {
              const { name: _drop, ...rest } = step;
              onChange(e.currentTarget.value ? { ...rest, name: e.currentTarget.value } : (rest as Step));
            }}
          />
        </Field>
        <Field label={`${label}: action`}>
          <select
            value={step.action.type}
            onChange={(e) => onChange({ ...step, action: blankAction(e.currentTarget.value as ActionType) })}
          >
            {ACTIONS.map(([type, text]) => (
              <option key={type} value={type}>
                {text}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`${label}: if it fails`}>
          <select
            value={step.onFailure ?? "continue"}
            onChange={(e) => onChange({ ...step, onFailure: e.currentTarget.value as Step["onFailure"] })}
          >
            <option value="continue">Continue with the next step</option>
            <option value="fail_run">End the run as failed</option>
          </select>
        </Field>
      </div>
      <DurationInput
        label={`${label}: delay`}
        value={step.delay ?? { amount: 0, unit: "minutes" }}
        onChange={(delay) => onChange({ ...step, delay })}
      />
      <ActionForm label={label} action={step.action} onChange={(action) => onChange({ ...step, action })} />
      <div class="actions">
        <TestStep momentId={momentId} stepId={step.id} dirty={dirty} />
        <button type="button" class="danger" onClick={onRemove}>
          Remove step {step.id}
        </button>
      </div>
    </fieldset>
  );
}

type Of<T extends ActionType> = Extract<Action, { type: T }>;

function ActionForm({
  label,
  action,
  onChange,
}: {
  label: string;
  action: Action;
  onChange: (next: Action) => void;
}) {
  const text = <K extends string>(key: K, value: string | undefined, optional = false) => ({
    value: value ?? "",
    onInput: (e: { currentTarget: { value: string } }) => {
      const next = { ...action } as Record<string, unknown>;
      if (optional && e.currentTarget.value === "") delete next[key];
      else next[key] = e.currentTarget.value;
      onChange(next as Action);
    },
  });
  switch (action.type) {
    case "send_email": {
      const a = action as Of<"send_email">;
      return (
        <>
          <TemplatePicker
            label={`${label}: email template`}
            value={a.templateId}
            onChange={(templateId) => onChange({ ...a, templateId })}
          />
          <Field label={`${label}: to (optional)`} hint="Default: the user's {email}, else the account's.">
            <input {...text("to", a.to, true)} />
          </Field>
        </>
      );
    }
    case "send_notification": {
      const a = action as Of<"send_notification">;
      return (
        <>
          <Field label={`${label}: title`}>
            <input {...text("title", a.title)} />
          </Field>
          <Field label={`${label}: body`}>
            <textarea {...text("body", a.body)} />
          </Field>
          <Field label={`${label}: link (optional)`}>
            <input {...text("url", a.url, true)} />
          </Field>
        </>
      );
    }
    case "feedback_prompt": {
      const a = action as Of<"feedback_prompt">;
      return (
        <>
          <Field label={`${label}: question`}>
            <input {...text("question", a.question)} />
          </Field>
          <Field label={`${label}: follow-up (optional)`} hint="Asked after a neutral or frustrated answer.">
            <input {...text("followUp", a.followUp, true)} />
          </Field>
        </>
      );
    }
    case "send_slack": {
      const a = action as Of<"send_slack">;
      return (
        <>
          <IntegrationPicker
            label={`${label}: Slack integration`}
            kind="slack"
            value={a.integrationId}
            onChange={(integrationId) => onChange({ ...a, integrationId })}
          />
          <SlackChannelPicker
            label={`${label}: channel`}
            integrationId={a.integrationId}
            value={a.channel}
            onChange={(channel) => onChange({ ...a, channel })}
          />
          <Field label={`${label}: message`}>
            <textarea {...text("text", a.text)} />
          </Field>
        </>
      );
    }
    case "create_attio_task": {
      const a = action as Of<"create_attio_task">;
      return (
        <>
          <IntegrationPicker
            label={`${label}: Attio integration`}
            kind="attio"
            value={a.integrationId}
            onChange={(integrationId) => onChange({ ...a, integrationId })}
          />
          <Field label={`${label}: task`}>
            <textarea {...text("content", a.content)} />
          </Field>
          <Field label={`${label}: assignee id (optional)`}>
            <input {...text("assigneeId", a.assigneeId, true)} />
          </Field>
        </>
      );
    }
    case "send_webhook": {
      const a = action as Of<"send_webhook">;
      return (
        <>
          <div class="row">
            <Field label={`${label}: method`}>
              <select
                value={a.method}
                onChange={(e) => onChange({ ...a, method: e.currentTarget.value as typeof a.method })}
              >
                {["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </Field>
            <Field label={`${label}: URL`}>
              <input {...text("url", a.url)} />
            </Field>
          </div>
          <Field label={`${label}: headers (JSON)`} hint='e.g. {"x-team": "growth"}'>
            <textarea
              value={a.headers ? JSON.stringify(a.headers, null, 2) : ""}
              onChange={(e) => {
                const raw = e.currentTarget.value.trim();
                const { headers: _drop, ...rest } = a;
                try {
                  onChange(raw ? { ...rest, headers: JSON.parse(raw) } : rest);
                } catch {
                  // Left as typed: the API names the field if it is still not JSON when saved.
                }
              }}
            />
          </Field>
          <Field label={`${label}: body (optional)`}>
            <textarea {...text("body", a.body, true)} />
          </Field>
          <IntegrationPicker
            label={`${label}: signing secret (optional)`}
            kind="webhook"
            value={a.integrationId ?? ""}
            optional
            onChange={(integrationId) => {
              const { integrationId: _drop, ...rest } = a;
              onChange(integrationId ? { ...rest, integrationId } : rest);
            }}
          />
        </>
      );
    }
    case "update_attribute": {
      const a = action as Of<"update_attribute">;
      return (
        <div class="row">
          <Field label={`${label}: on`}>
            <select
              value={a.scope}
              onChange={(e) => onChange({ ...a, scope: e.currentTarget.value as typeof a.scope })}
            >
              <option value="account">The account</option>
              <option value="user">The user</option>
            </select>
          </Field>
          <Field label={`${label}: attribute`}>
            <input {...text("attribute", a.attribute)} />
          </Field>
          <Field label={`${label}: value`}>
            <input
              value={a.value === null ? "" : String(a.value)}
              onInput={(e) => onChange({ ...a, value: e.currentTarget.value })}
            />
          </Field>
        </div>
      );
    }
    default:
      return null;
  }
}

function TemplatePicker({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (id: string) => void;
}) {
  const templates = useResource(
    () => call(api.GET("/v1/admin/email-templates", { params: { query: { limit: "200" } } })),
    [],
  );
  const items = templates.data?.items ?? [];
  const chosen = items.find((t) => t.id === value);
  return (
    <>
      <Field
        label={label}
        hint={
          items.length === 0 && !templates.loading
            ? "No email template yet: create one under Email templates."
            : undefined
        }
      >
        <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">Choose a template…</option>
          {items.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </Field>
      {chosen && (
        <div class="template-preview">
          <EmailRendering email={chosen} name={`the template ${chosen.name}`} />
        </div>
      )}
    </>
  );
}

function IntegrationPicker({
  label,
  kind,
  value,
  optional,
  onChange,
}: {
  label: string;
  kind: "slack" | "attio" | "webhook";
  value: string;
  optional?: boolean;
  onChange: (id: string) => void;
}) {
  const integrations = useResource(
    () => call(api.GET("/v1/admin/integrations", { params: { query: { limit: "200" } } })),
    [],
  );
  const items = (integrations.data?.items ?? []).filter((i) => i.kind === kind);
  return (
    <Field
      label={label}
      hint={
        items.length === 0 && !integrations.loading
          ? `No ${kind} integration yet: add one under Integrations.`
          : undefined
      }
    >
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{optional ? "None" : "Choose…"}</option>
        {items.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

function SlackChannelPicker({
  label,
  integrationId,
  value,
  onChange,
}: {
  label: string;
  integrationId: string;
  value: string | undefined;
  onChange: (channel: string) => void;
}) {
  const channels = useResource(
    () =>
      integrationId
        ? call(
            api.GET("/v1/admin/integrations/{id}/slack/channels", {
              params: { path: { id: integrationId } },
            }),
          )
        : Promise.resolve(undefined),
    [integrationId],
  );
  const list = channels.data?.items ?? [];
  return (
    <Field
      label={label}
      hint={
        channels.error
          ? channels.error.message
          : "A bot token lists its channels; a webhook posts to its own."
      }
    >
      {list.length > 0 ? (
        <select value={value ?? ""} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">Choose a channel…</option>
          {list.map((c) => (
            <option key={c.id} value={c.id}>
              #{c.name}
            </option>
          ))}
        </select>
      ) : (
        <input
          value={value ?? ""}
          onInput={(e) => onChange(e.currentTarget.value)}
          placeholder="#general or C0123"
        />
      )}
    </Field>
  );
}

/** Renders the saved step with sample traits (dry run), then performs it for real on request. */
function TestStep({ momentId, stepId, dirty }: { momentId: string; stepId: string; dirty: boolean }) {
  const [open, setOpen] = useState(false);
  const [accountId, setAccountId] = useState("");
  const [traits, setTraits] = useState('{ "first_name": "Ada", "email": "ada@example.com" }');
  const [result, setResult] = useState<unknown>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      let sample: Record<string, unknown> | undefined;
      if (!accountId) {
        try {
          sample = JSON.parse(traits || "{}");
        } catch {
          throw {
            status: 400,
            code: "invalid_request",
            message: "Sample traits must be a JSON object",
          } as ApiError;
        }
      }
      const body = { dryRun, ...(accountId ? { accountId } : { traits: sample }) };
      setResult(
        await call(
          api.POST("/v1/admin/moments/{id}/steps/{stepId}/test", {
            params: { path: { id: momentId, stepId } },
            body: body as never,
          }),
        ),
      );
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  if (!open) {
    return (
      <button type="button" class="secondary" onClick={() => setOpen(true)}>
        Test step {stepId}
      </button>
    );
  }
  return (
    <div class="card inset test-step">
      <h4>Test step {stepId}</h4>
      {dirty && (
        <p class="warning">You have unsaved changes: the test uses the saved version of this step.</p>
      )}
      <Field label="Real account id (optional)">
        <input value={accountId} onInput={(e) => setAccountId(e.currentTarget.value)} />
      </Field>
      {!accountId && (
        <Field label="Sample traits (JSON)">
          <textarea value={traits} onInput={(e) => setTraits(e.currentTarget.value)} />
        </Field>
      )}
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={() => run(true)}>
          Preview (dry run)
        </button>
        <button type="button" class="primary" disabled={busy} onClick={() => run(false)}>
          Send a test
        </button>
        <button type="button" class="ghost" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      {error && <ErrorBox error={error} title="The test did not run" />}
      {result !== undefined && (
        <figure class="chart-figure">
          <figcaption class="small">Test result</figcaption>
          <pre class="preview">{JSON.stringify(result, null, 2)}</pre>
        </figure>
      )}
    </div>
  );
}
