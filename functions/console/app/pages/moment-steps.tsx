/** A moment's steps by phase, with a form per action type and a test (preview, then real send). */
import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import type { components } from "../api/schema.js";
import type { Action, ActionType, Step } from "../api/types.js";
import { EmailRendering } from "../email-rendering.js";
import { href } from "../router.js";
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

/**
 * Steps by phase. Each step's controls are named by its number on the page ("Step 2: title"), not
 * by its name: typing a name renames nothing while it is typed, and no two steps share a name.
 */
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
  const headings = useRef<Partial<Record<Step["phase"], HTMLHeadingElement | null>>>({});
  const set = (id: string, next: Step) => onChange(steps.map((s) => (s.id === id ? next : s)));
  const phaseOf = (s: Step) => s.phase ?? "entry";
  // Numbered as shown: phase by phase.
  const shown = PHASES.flatMap(([phase]) => steps.filter((s) => phaseOf(s) === phase));
  return (
    <>
      {PHASES.map(([phase, title, help]) => {
        const ofPhase = steps.filter((s) => phaseOf(s) === phase);
        return (
          <section key={phase} class="phase" aria-labelledby={`phase-${phase}`}>
            <h3
              id={`phase-${phase}`}
              tabindex={-1}
              ref={(h) => {
                headings.current[phase] = h;
              }}
            >
              {title}
            </h3>
            <p class="muted small">{help}</p>
            {ofPhase.length === 0 && <p class="muted small">None.</p>}
            <ol class="steps">
              {ofPhase.map((step) => (
                <li key={step.id}>
                  <StepForm
                    momentId={momentId}
                    step={step}
                    number={shown.indexOf(step) + 1}
                    index={steps.indexOf(step)}
                    dirty={dirty}
                    onChange={(next) => set(step.id, next)}
                    onRemove={() => {
                      // Its button goes with it: focus goes to its phase's heading.
                      headings.current[phase]?.focus();
                      onChange(steps.filter((s) => s.id !== step.id));
                    }}
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
  number,
  index,
  dirty,
  onChange,
  onRemove,
}: {
  momentId: string;
  step: Step;
  /** Its place on the page, phase by phase (its controls' names). */
  number: number;
  /** Its place in the moment's steps (where the API's errors put it). */
  index: number;
  dirty: boolean;
  onChange: (next: Step) => void;
  onRemove: () => void;
}) {
  const label = `Step ${number}`;
  const path = `steps.${index}`;
  return (
    <fieldset class="step">
      <legend>
        {label}: <code>{step.id}</code> {step.name ? `· ${step.name}` : ""}
      </legend>
      <div class="row">
        <Field label={`${label}: name`} path={`${path}.name`}>
          <input
            value={step.name ?? ""}
            onInput={(e) => {
              const { name: _drop, ...rest } = step;
              onChange(e.currentTarget.value ? { ...rest, name: e.currentTarget.value } : (rest as Step));
            }}
          />
        </Field>
        <Field label={`${label}: action`} path={`${path}.action.type`}>
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
        <Field label={`${label}: if it fails`} path={`${path}.onFailure`}>
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
        path={`${path}.delay`}
        value={step.delay ?? { amount: 0, unit: "minutes" }}
        onChange={(delay) => onChange({ ...step, delay })}
      />
      <ActionForm
        label={label}
        path={`${path}.action`}
        action={step.action}
        onChange={(action) => onChange({ ...step, action })}
      />
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
  path,
  action,
  onChange,
}: {
  label: string;
  /** Where the API puts the action (its errors name it): steps.<index>.action. */
  path: string;
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
            path={`${path}.templateId`}
            value={a.templateId}
            onChange={(templateId) => onChange({ ...a, templateId })}
          />
          <Field
            label={`${label}: to (optional)`}
            path={`${path}.to`}
            hint="Default: the user's {email}, else the account's."
          >
            <input {...text("to", a.to, true)} />
          </Field>
        </>
      );
    }
    case "send_notification": {
      const a = action as Of<"send_notification">;
      return (
        <>
          <Field label={`${label}: title`} path={`${path}.title`}>
            <input {...text("title", a.title)} />
          </Field>
          <Field label={`${label}: body`} path={`${path}.body`}>
            <textarea {...text("body", a.body)} />
          </Field>
          <Field label={`${label}: link (optional)`} path={`${path}.url`}>
            <input {...text("url", a.url, true)} />
          </Field>
        </>
      );
    }
    case "feedback_prompt": {
      const a = action as Of<"feedback_prompt">;
      return (
        <>
          <Field label={`${label}: question`} path={`${path}.question`}>
            <input {...text("question", a.question)} />
          </Field>
          <Field
            label={`${label}: follow-up (optional)`}
            path={`${path}.followUp`}
            hint="Asked after a neutral or frustrated answer."
          >
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
            path={`${path}.integrationId`}
            kind="slack"
            value={a.integrationId}
            onChange={(integrationId) => onChange({ ...a, integrationId })}
          />
          <SlackChannelPicker
            label={`${label}: channel`}
            path={`${path}.channel`}
            integrationId={a.integrationId}
            value={a.channel}
            onChange={(channel) => onChange({ ...a, channel })}
          />
          <Field label={`${label}: message`} path={`${path}.text`}>
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
            path={`${path}.integrationId`}
            kind="attio"
            value={a.integrationId}
            onChange={(integrationId) => onChange({ ...a, integrationId })}
          />
          <Field label={`${label}: task`} path={`${path}.content`}>
            <textarea {...text("content", a.content)} />
          </Field>
          <Field label={`${label}: assignee id (optional)`} path={`${path}.assigneeId`}>
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
            <Field label={`${label}: method`} path={`${path}.method`}>
              <select
                value={a.method}
                onChange={(e) => onChange({ ...a, method: e.currentTarget.value as typeof a.method })}
              >
                {["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </Field>
            <Field label={`${label}: URL`} path={`${path}.url`}>
              <input {...text("url", a.url)} />
            </Field>
          </div>
          <Field label={`${label}: headers (JSON)`} path={`${path}.headers`} hint='e.g. {"x-team": "growth"}'>
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
          <Field label={`${label}: body (optional)`} path={`${path}.body`}>
            <textarea {...text("body", a.body, true)} />
          </Field>
          <IntegrationPicker
            label={`${label}: signing secret (optional)`}
            path={`${path}.integrationId`}
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
          <Field label={`${label}: on`} path={`${path}.scope`}>
            <select
              value={a.scope}
              onChange={(e) => onChange({ ...a, scope: e.currentTarget.value as typeof a.scope })}
            >
              <option value="account">The account</option>
              <option value="user">The user</option>
            </select>
          </Field>
          <Field label={`${label}: attribute`} path={`${path}.attribute`}>
            <input {...text("attribute", a.attribute)} />
          </Field>
          <Field label={`${label}: value`} path={`${path}.value`}>
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
  path,
}: {
  label: string;
  path: string;
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
        path={path}
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
  path,
}: {
  label: string;
  path: string;
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
      path={path}
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
  path,
}: {
  label: string;
  path: string;
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
      path={path}
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

type TestResult = components["schemas"]["TestStepResult"];

/** A rendered field's value as text: strings as they are, anything else as compact JSON. */
const shownValue = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** A test's result as a person reads it (what was rendered, what happened), the JSON below it. */
function TestResultView({ result }: { result: TestResult }) {
  const outcome = result.outcome;
  return (
    <>
      <dl class="props small">
        <dt>Mode</dt>
        <dd>{result.dryRun ? "Preview (dry run): nothing was sent" : "Test send: performed for real"}</dd>
        <dt>Action</dt>
        <dd>{ACTIONS.find(([type]) => type === result.action)?.[1] ?? result.action}</dd>
        <dt>Missing traits</dt>
        <dd>{result.missing.length > 0 ? result.missing.join(", ") : "None"}</dd>
        {outcome && (
          <>
            <dt>Outcome</dt>
            <dd>
              {outcome.status === "executed"
                ? "Performed"
                : outcome.status === "skipped"
                  ? "Skipped"
                  : "Failed"}
              {"reason" in outcome ? `: ${outcome.reason}` : ""}
            </dd>
          </>
        )}
        {outcome && "detail" in outcome && outcome.detail
          ? Object.entries(outcome.detail).map(([key, value]) => (
              <Fragment key={`detail-${key}`}>
                <dt>{key}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))
          : null}
        {result.runId && (
          <>
            <dt>Run</dt>
            <dd>
              <a href={href(`/runs/${result.runId}`)}>Open the test run</a>
            </dd>
          </>
        )}
      </dl>
      {result.rendered && Object.keys(result.rendered).length > 0 && (
        <>
          <h5>Rendered</h5>
          <dl class="props small">
            {Object.entries(result.rendered).map(([key, value]) => (
              <Fragment key={`rendered-${key}`}>
                <dt>{key}</dt>
                <dd class="rendered">{shownValue(value)}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
      <details>
        <summary>The result as JSON</summary>
        <pre class="preview">{JSON.stringify(result, null, 2)}</pre>
      </details>
    </>
  );
}

/**
 * Renders the saved step with sample traits (dry run), then performs it for real on request. Focus
 * follows: to the panel's heading when it opens, to the result (or the error) when a test ran, back
 * to its button when it closes; its buttons stay focusable while a test runs.
 */
function TestStep({ momentId, stepId, dirty }: { momentId: string; stepId: string; dirty: boolean }) {
  const [open, setOpen] = useState(false);
  const [accountId, setAccountId] = useState("");
  const [traits, setTraits] = useState('{ "first_name": "Ada", "email": "ada@example.com" }');
  const [result, setResult] = useState<TestResult | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [ran, setRan] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const answer = useRef<HTMLElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const focusOpener = useRef(false);
  useEffect(() => {
    if (open) heading.current?.focus();
    else if (focusOpener.current) opener.current?.focus();
    focusOpener.current = false;
  }, [open]);
  useEffect(() => {
    if (ran > 0) answer.current?.focus();
  }, [ran]);
  const run = async (dryRun: boolean) => {
    if (busy) return;
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
      setResult(undefined);
      setError(e as ApiError);
    } finally {
      setBusy(false);
      setRan((n) => n + 1);
    }
  };
  if (!open) {
    return (
      <button type="button" class="secondary" ref={opener} onClick={() => setOpen(true)}>
        Test step {stepId}
      </button>
    );
  }
  return (
    <div class="card inset test-step">
      <h4 tabindex={-1} ref={heading}>
        Test step {stepId}
      </h4>
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
        <button type="button" class="secondary" aria-disabled={busy || undefined} onClick={() => run(true)}>
          Preview (dry run)
        </button>
        <button type="button" class="primary" aria-disabled={busy || undefined} onClick={() => run(false)}>
          Send a test
        </button>
        <button
          type="button"
          class="ghost"
          onClick={() => {
            focusOpener.current = true;
            setOpen(false);
          }}
        >
          Close
        </button>
      </div>
      {busy && <p role="status">Testing…</p>}
      {(error || result) && (
        <section tabindex={-1} ref={answer} aria-label={`Result of the test of step ${stepId}`}>
          {error && <ErrorBox error={error} title="The test did not run" />}
          {result !== undefined && (
            <figure class="chart-figure">
              <figcaption class="small">Test result</figcaption>
              <TestResultView result={result} />
            </figure>
          )}
        </section>
      )}
    </div>
  );
}
