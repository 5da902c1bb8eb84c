/**
 * Email templates: the list, and an editor (plain text first, HTML optional) beside a live preview
 * rendered by the API exactly as a send would, with sample traits or a real account.
 */
import { useEffect, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import type { components } from "../api/schema.js";
import { EmailRendering } from "../email-rendering.js";
import { location, navigate } from "../router.js";
import {
  Async,
  ConfirmButton,
  Empty,
  ErrorBox,
  Field,
  formatTime,
  PageHeader,
  Pager,
  useDebounced,
  usePager,
  useResource,
} from "../ui.js";

type Template = components["schemas"]["EmailTemplate"];
const BLANK = { name: "", from: "", subject: "", text: "" };

export function EmailTemplatesPage() {
  const pager = usePager();
  const selected = location.value.query.get("id");
  const templates = useResource(
    () =>
      call(
        api.GET("/v1/admin/email-templates", {
          params: { query: { limit: "25", ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  const open = (id: string | undefined) =>
    navigate(id ? `/email-templates?id=${id}` : "/email-templates", { replace: true });
  return (
    <>
      <PageHeader
        title="Email templates"
        subtitle="What send_email steps send. Placeholders: {first_name}, {first_name|there}, {event.plan}…"
        actions={
          <button type="button" class="primary" onClick={() => open("new")}>
            New template
          </button>
        }
      />
      <div class="split">
        <Async resource={templates} what="email templates">
          {(data) =>
            data.items.length === 0 ? (
              <Empty>No template yet.</Empty>
            ) : (
              <div>
                <ul class="list" aria-label="Email templates">
                  {data.items.map((t) => (
                    <li key={t.id}>
                      <button
                        type="button"
                        class={`list-item ${selected === t.id ? "selected" : ""}`}
                        aria-current={selected === t.id ? "true" : undefined}
                        onClick={() => open(t.id)}
                      >
                        <strong>{t.name}</strong>
                        <span class="muted small">{t.subject}</span>
                      </button>
                    </li>
                  ))}
                </ul>
                <Pager pager={pager} nextCursor={data.nextCursor} label="Email templates" />
              </div>
            )
          }
        </Async>
        <div>
          {selected === "new" && (
            <TemplateEditor
              key="new"
              onSaved={(t) => {
                templates.reload();
                open(t.id);
              }}
            />
          )}
          {selected && selected !== "new" && (
            <TemplateLoader
              key={selected}
              id={selected}
              onChange={templates.reload}
              onDeleted={() => {
                templates.reload();
                open(undefined);
              }}
            />
          )}
          {!selected && <Empty>Choose a template to edit it, or create a new one.</Empty>}
        </div>
      </div>
    </>
  );
}

function TemplateLoader({
  id,
  onChange,
  onDeleted,
}: {
  id: string;
  onChange: () => void;
  onDeleted: () => void;
}) {
  const template = useResource(
    () => call(api.GET("/v1/admin/email-templates/{id}", { params: { path: { id } } })),
    [id],
  );
  return (
    <Async resource={template} what="the template">
      {(t) => <TemplateEditor template={t} onSaved={onChange} onDeleted={onDeleted} />}
    </Async>
  );
}

function TemplateEditor({
  template,
  onSaved,
  onDeleted,
}: {
  template?: Template;
  onSaved: (t: Template) => void;
  onDeleted?: () => void;
}) {
  const [draft, setDraft] = useState({ ...BLANK, ...template });
  const [error, setError] = useState<ApiError | undefined>();
  const [saved, setSaved] = useState<Template | undefined>(template);
  const [notice, setNotice] = useState<string | undefined>();
  const set = (key: keyof typeof BLANK | "html", value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setNotice(undefined);
    const body = {
      name: draft.name,
      from: draft.from,
      subject: draft.subject,
      text: draft.text,
      ...(draft.html ? { html: draft.html } : {}),
    };
    try {
      const result = saved
        ? await call(
            api.PATCH("/v1/admin/email-templates/{id}", {
              params: { path: { id: saved.id } },
              body: { ...body, ...(draft.html ? {} : { html: null }) } as never,
            }),
          )
        : await call(api.POST("/v1/admin/email-templates", { body }));
      setSaved(result);
      setNotice("Saved.");
      onSaved(result);
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <div class="editor">
      <form class="card" onSubmit={save} aria-label="Template editor">
        <Field label="Template name">
          <input required value={draft.name} onInput={(e) => set("name", e.currentTarget.value)} />
        </Field>
        <Field label="From" hint='"Anna at Acme" <anna@mail.acme.com>'>
          <input required value={draft.from} onInput={(e) => set("from", e.currentTarget.value)} />
        </Field>
        <Field label="Subject">
          <input required value={draft.subject} onInput={(e) => set("subject", e.currentTarget.value)} />
        </Field>
        <Field label="Plain text">
          <textarea
            required
            rows={10}
            value={draft.text}
            onInput={(e) => set("text", e.currentTarget.value)}
          />
        </Field>
        <Field label="HTML (optional)">
          <textarea rows={6} value={draft.html ?? ""} onInput={(e) => set("html", e.currentTarget.value)} />
        </Field>
        {error && <ErrorBox error={error} title="Not saved" />}
        {notice && <p class="notice">{notice}</p>}
        <div class="actions">
          <button type="submit" class="primary">
            {saved ? "Save template" : "Create template"}
          </button>
          {saved && onDeleted && (
            <ConfirmButton
              label="Delete template"
              danger
              question={<p>Delete “{saved.name}”? Moments that send it must stop using it first.</p>}
              action={async () => {
                await call(
                  api.DELETE("/v1/admin/email-templates/{id}", { params: { path: { id: saved.id } } }),
                );
                onDeleted();
              }}
            />
          )}
        </div>
        {saved && <p class="muted small">Last saved {formatTime(saved.updatedAt)}</p>}
      </form>
      {saved && <Preview template={saved} draft={draft} />}
    </div>
  );
}

/**
 * Rendered by the API as send_email would, with the editor's unsaved edits (nothing is saved), again
 * whenever they, the saved template or the sample change.
 */
function Preview({
  template,
  draft,
}: {
  template: Template;
  draft: { from: string; subject: string; text: string; html?: string | undefined };
}) {
  const [traits, setTraits] = useState('{ "first_name": "Ada", "email": "ada@example.com" }');
  const [accountId, setAccountId] = useState("");
  const edits = { from: draft.from, subject: draft.subject, text: draft.text, html: draft.html || null };
  const sample = useDebounced(`${accountId}\n${traits}\n${JSON.stringify(edits)}`, 400);
  const [state, setState] = useState<{ preview?: components["schemas"]["EmailPreview"]; error?: ApiError }>(
    {},
  );
  useEffect(() => {
    let live = true;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(traits || "{}");
    } catch {
      setState({
        error: { status: 400, code: "invalid_request", message: "Sample traits must be a JSON object" },
      });
      return;
    }
    call(
      api.POST("/v1/admin/email-templates/{id}/preview", {
        params: { path: { id: template.id } },
        body: { ...(accountId ? { accountId } : { traits: parsed }), edits },
      }),
    ).then(
      (preview) => live && setState({ preview }),
      (error: ApiError) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [sample, template.updatedAt, template.id]);
  return (
    <section class="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <p class="muted small">As a send would render it, with your unsaved edits.</p>
      <div class="row">
        <Field label="Preview with account id (optional)">
          <input value={accountId} onInput={(e) => setAccountId(e.currentTarget.value)} />
        </Field>
      </div>
      {!accountId && (
        <Field label="Sample traits (JSON)">
          <textarea rows={3} value={traits} onInput={(e) => setTraits(e.currentTarget.value)} />
        </Field>
      )}
      {state.error && <ErrorBox error={state.error} title="No preview" />}
      {state.preview && (
        <div aria-live="polite">
          <EmailRendering email={state.preview} name="the preview" />
          {state.preview.missing.length > 0 && (
            <p class="warning">Would render empty: {state.preview.missing.join(", ")}</p>
          )}
        </div>
      )}
    </section>
  );
}
