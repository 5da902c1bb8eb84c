/**
 * One moment: read and edit everything (properties, start rule, end rules, steps), change its
 * status (each allowed transition says what it does), duplicate, delete. Saving sends the version
 * read as If-Match: a change made meanwhile is shown, never overwritten.
 */
import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { settingPointer, valueAtPointer } from "../../../../shared/domain/setting-pointer.js";
import { type ApiError, api, apiError, call } from "../api/client.js";
import { type Duration, type Moment, type MomentInput, NOT_INPUT } from "../api/types.js";
import { href, navigate } from "../router.js";
import {
  Async,
  ConfirmButton,
  ErrorBox,
  ErrorSummary,
  Field,
  FieldErrors,
  FieldGroup,
  formatTime,
  NumberInput,
  PageHeader,
  StatusBadge,
  useResource,
} from "../ui.js";
import { DurationInput, EndRulesEditor, StartRuleEditor } from "./moment-rules.js";
import { StepsEditor } from "./moment-steps.js";
import { GoalField } from "./moments.js";

function inputOf(moment: Moment): MomentInput {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(moment) as (keyof Moment)[]) {
    if (!(NOT_INPUT as readonly string[]).includes(key)) input[key] = structuredClone(moment[key]);
  }
  return input as MomentInput;
}

/** A moment's top-level field with the value at a JSON Pointer below it replaced: [field, new value]. */
function writePointer(moment: MomentInput, pointer: string, value: unknown): [string, unknown] {
  const [field = "", ...rest] = pointer.split("/").slice(1);
  const copy = structuredClone((moment as Record<string, unknown>)[field]);
  let node = copy as Record<string, unknown>;
  rest.slice(0, -1).forEach((token) => {
    node = node[token] as Record<string, unknown>;
  });
  node[rest[rest.length - 1] ?? ""] = value;
  return [field, copy];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What the user changed from `sent` to `latest`, laid on `saved` however deep it is: what they did
 * not touch stays as the server saved it (with what it added or normalised, a step's defaults), and
 * an edit undone is no edit. Lists of another length than the server's are taken whole.
 */
function rebase(sent: unknown, latest: unknown, saved: unknown): unknown {
  if (same(sent, latest)) return saved;
  if (isRecord(sent) && isRecord(latest) && isRecord(saved)) {
    const merged = { ...saved };
    for (const key of new Set([...Object.keys(sent), ...Object.keys(latest)])) {
      const value = rebase(sent[key], latest[key], saved[key]);
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    return merged;
  }
  if (Array.isArray(sent) && Array.isArray(latest) && Array.isArray(saved)) {
    if (sent.length === latest.length && saved.length === latest.length)
      return latest.map((item, i) => rebase(sent[i], item, saved[i]));
  }
  return latest;
}

/** Top-level fields that differ between two versions of a moment. */
function changedFields(a: MomentInput, b: MomentInput): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof MomentInput>;
  return [...keys].filter((k) => !same(a[k], b[k]));
}

export function MomentPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? "";
  const moment = useResource(
    () => call(api.GET("/v1/admin/moments/{id}", { params: { path: { id } } })),
    [id],
  );
  // A save's or status change's answer is the moment as it is now: shown at once, with no reload in
  // between (where the form would show the old version, savable and discardable again).
  const show = (next: Moment) => {
    if (next.id === id) moment.replace(next);
  };
  // Kept here: the editor starts afresh on each version (the one just saved, too), and says it.
  const [saved, setSaved] = useState<string | undefined>();
  const [statusError, setStatusError] = useState<ApiError | undefined>();
  // Where focus goes once the moment reloaded (the control that had it may be gone with the old version).
  const focusAfterLoad = useRef<FocusTarget | undefined>(undefined);
  // A save on its way: what the user types meanwhile goes on top of the version it makes.
  const saving = useRef<SaveInFlight | undefined>(undefined);
  return (
    <Async
      resource={moment}
      what="the moment"
      back={{ href: href("/moments"), label: "Back to the moments" }}
    >
      {(m) => (
        <MomentEditor
          key={`${m.id}@${m.version}`}
          moment={m}
          reload={moment.reload}
          show={show}
          saved={saved}
          setSaved={setSaved}
          statusError={statusError}
          setStatusError={setStatusError}
          focusAfterLoad={focusAfterLoad}
          saving={saving}
        />
      )}
    </Async>
  );
}

/** After a save, the message saying it saved; after a status change, the status it changed. */
type FocusTarget = "saved" | "status";

/** A form control by its name (unique on the page but for a template's setting and its field: `nth`). */
interface FieldRef {
  name: string;
  nth: number;
  selection?: [number, number];
}

/**
 * A save on its way, from the version of the moment it was sent against: the draft it sent, the
 * draft since (the user may type on), the version it made once answered, and the field that had
 * focus when the editor made way for that version.
 */
interface SaveInFlight {
  id: string;
  version: number;
  made?: number;
  sent: MomentInput;
  latest: MomentInput;
  focus?: FieldRef;
}

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
const controlsOf = (form: HTMLFormElement) => [...form.querySelectorAll<Control>("input, textarea, select")];
/** A control's name: its field's label (not the hint beside it), or the text of the label around it. */
const nameOf = (control: Control) => {
  const label = control.labels?.[0];
  return (label?.querySelector(".field-label") ?? label)?.textContent ?? "";
};

/** The form's control that has focus, if one has. */
function focusedField(form: HTMLFormElement | null): FieldRef | undefined {
  const active = document.activeElement;
  if (!form || !active) return undefined;
  const controls = controlsOf(form);
  const control = controls.find((c) => c === active);
  if (!control) return undefined;
  const name = nameOf(control);
  const nth = controls.filter((c) => nameOf(c) === name).indexOf(control);
  // Number and select controls have no caret (null).
  const { selectionStart: start, selectionEnd: end } = control as HTMLInputElement;
  return {
    name,
    nth,
    ...(typeof start === "number" && typeof end === "number" ? { selection: [start, end] } : {}),
  };
}

/** Focuses the control `field` names in the form, its caret where it was; false when it is gone. */
function refocus(form: HTMLFormElement | null, field: FieldRef | undefined): boolean {
  const control = form && field && controlsOf(form).filter((c) => nameOf(c) === field.name)[field.nth];
  if (!control || !field) return false;
  control.focus();
  if (field.selection && !(control instanceof HTMLSelectElement))
    control.setSelectionRange(...field.selection);
  return true;
}

/**
 * The draft on the version a save made: that version, with what the user changed after sending it.
 * Only on that very version: on any other (another moment, or someone else's save after ours) the
 * edits would land on changes the user never saw, and their next save would overwrite those.
 */
function withEditsInFlight(moment: Moment, base: MomentInput, save: SaveInFlight | undefined): MomentInput {
  if (save?.id !== moment.id || save.made !== moment.version) return base;
  return rebase(save.sent, save.latest, base) as MomentInput;
}

/** The save on its way from this version of the moment, if one is. */
const sentFrom = (moment: Moment, save: SaveInFlight | undefined) =>
  save?.id === moment.id && save.version === moment.version ? save : undefined;

/** "Start" -> "start", "Return to draft" -> "return to draft": a status change's label in a sentence. */
const verb = (label: string) => label.charAt(0).toLowerCase() + label.slice(1);

function MomentEditor({
  moment,
  reload,
  show,
  saved,
  setSaved,
  statusError,
  setStatusError,
  focusAfterLoad,
  saving,
}: {
  moment: Moment;
  reload: () => void;
  /** Shows the moment as an answer carried it (the version a save made, the status it changed). */
  show: (moment: Moment) => void;
  saved: string | undefined;
  setSaved: (notice: string | undefined) => void;
  /** A status change that failed after its edits were saved: shown in the status area. */
  statusError: ApiError | undefined;
  setStatusError: (error: ApiError | undefined) => void;
  focusAfterLoad: RefObject<FocusTarget | undefined>;
  saving: RefObject<SaveInFlight | undefined>;
}) {
  const base = inputOf(moment);
  const form = useRef<HTMLFormElement>(null);
  const statusArea = useRef<HTMLDivElement>(null);
  const saveStatus = useRef<HTMLSpanElement>(null);
  const conflictBox = useRef<HTMLDivElement>(null);
  // The version just loaded (or the same one, reloaded): focus where the change that loaded it said,
  // or, when a save made it while the user was in a field, in that field again (made anew here).
  useEffect(() => {
    const target = focusAfterLoad.current;
    const field = saving.current?.focus;
    focusAfterLoad.current = undefined;
    saving.current = undefined;
    if (refocus(form.current, field)) return;
    if (target === "status") statusArea.current?.focus();
    else if (target === "saved") saveStatus.current?.focus();
  }, [moment]);
  // The field that has focus as this version makes way for the one a save made.
  useLayoutEffect(
    () => () => {
      const save = sentFrom(moment, saving.current);
      if (save) save.focus = focusedField(form.current);
    },
    [],
  );
  const [draft, setDraft] = useState<MomentInput>(() => withEditsInFlight(moment, base, saving.current));
  // What the user has typed since a save was sent: read when the version it makes replaces this one.
  const inFlight = sentFrom(moment, saving.current);
  if (inFlight) inFlight.latest = draft;
  const [error, setError] = useState<ApiError | undefined>();
  // The save that failed was the first half of a status change ("Save and start"): the status stayed.
  const [forStatus, setForStatus] = useState(false);
  const [conflict, setConflict] = useState<
    { latest: Moment; theirs: string[]; mine: string[] } | undefined
  >();
  // From sending a save until it failed, or (saved) until the version it made replaces this editor:
  // saving or discarding again meanwhile would act on a version that is no longer the moment's.
  const [busy, setBusy] = useState(false);
  // A save refused for a change made meanwhile: focus to what it says and offers.
  useEffect(() => {
    if (conflict) conflictBox.current?.focus();
  }, [conflict]);
  const dirtyFields = changedFields(base, draft);
  const dirty = dirtyFields.length > 0;
  const sources = useResource(
    () => call(api.GET("/v1/admin/sources", { params: { query: { limit: "200" } } })),
    [],
  );
  const observed = useResource(() => call(api.GET("/v1/admin/observed-events")), []);
  const events = (observed.data?.items ?? []).map((e) => e.name);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener("beforeunload", warn);
    return () => removeEventListener("beforeunload", warn);
  }, [dirty]);

  const set = <K extends keyof MomentInput>(key: K, value: MomentInput[K]) => {
    setSaved(undefined);
    setDraft((d) => ({ ...d, [key]: value }));
  };

  /**
   * Saves the draft; the moment as saved, the editor still busy until it shows it (an error or a
   * conflict is shown on the page otherwise, saying the status did not change either for a
   * `statusChange`).
   */
  const saveDraft = async (statusChange = false): Promise<Moment | undefined> => {
    setBusy(true);
    setError(undefined);
    setForStatus(statusChange);
    setStatusError(undefined);
    // A field cleared in the form (the time frame, a description) is sent as null: PATCH removes it.
    const patch = Object.fromEntries(dirtyFields.map((k) => [k, draft[k as keyof MomentInput] ?? null]));
    const result = await api
      .PATCH("/v1/admin/moments/{id}", {
        params: { path: { id: moment.id }, header: { "If-Match": `"${moment.version}"` } } as never,
        headers: { "If-Match": `"${moment.version}"` },
        body: patch as never,
      })
      .catch(() => undefined);
    if (result?.response.ok) {
      const made = result.data as Moment;
      setSaved(`Saved as version ${made.version}.`);
      return made;
    }
    setBusy(false);
    if (result === undefined) {
      // No answer (offline, a reset connection): the draft stays, and saving can be tried again.
      setError(apiError(undefined, undefined));
      return undefined;
    }
    if (result.response.status === 412) {
      try {
        const latest = await call(api.GET("/v1/admin/moments/{id}", { params: { path: { id: moment.id } } }));
        setConflict({ latest, theirs: changedFields(base, inputOf(latest)), mine: dirtyFields });
      } catch (error) {
        setError(error as ApiError);
      }
      return undefined;
    }
    setError(apiError(result.error, result.response));
    return undefined;
  };

  const save = async () => {
    if (busy || saving.current) return;
    const save: SaveInFlight = { id: moment.id, version: moment.version, sent: draft, latest: draft };
    saving.current = save;
    const made = await saveDraft();
    if (!made) {
      saving.current = undefined;
      return;
    }
    save.made = made.version;
    focusAfterLoad.current = "saved";
    show(made);
  };

  const changeStatus = async (to: string) => {
    setSaved(undefined);
    setStatusError(undefined);
    await call(
      api.POST("/v1/admin/moments/{id}/status", {
        params: { path: { id: moment.id } },
        body: { status: to as Moment["status"] },
      }),
    );
    focusAfterLoad.current = "status";
    reload();
  };

  /**
   * Saves the edits, then changes the status; neither when the edits are not valid or cannot be
   * saved. Then the dialog closes (this resolves) and the page says why, taking focus: the field
   * refused, or the API's message and the fields it names, which a modal dialog would keep out of
   * reach (and out of focus) behind it.
   */
  const saveAndChangeStatus = async (to: string) => {
    if (!form.current?.checkValidity()) {
      // Once the dialog has closed (as this resolves, before a timer fires), the browser focuses the
      // first field it refuses and says why.
      setTimeout(() => form.current?.reportValidity());
      return;
    }
    const made = await saveDraft(true);
    if (!made) return;
    let now = made;
    try {
      now = await call(
        api.POST("/v1/admin/moments/{id}/status", {
          params: { path: { id: moment.id } },
          body: { status: to as Moment["status"] },
        }),
      );
    } catch (e) {
      // Saved, but the status stayed: the status area says why (the API's message), and takes focus.
      setStatusError(e as ApiError);
    }
    focusAfterLoad.current = "status";
    // Once the dialog has closed (as this resolves, before a timer fires), and busy until then.
    setTimeout(() => show(now));
  };

  return (
    <>
      <PageHeader
        documentTitle={moment.name}
        crumbs={[{ label: "Moments", href: href("/moments") }]}
        title={moment.name}
        badge={<StatusBadge status={moment.status} />}
        subtitle={`Version ${moment.version} · updated ${formatTime(moment.updatedAt)}${moment.template !== "custom" ? ` · from the ${moment.template} template` : ""}`}
        actions={
          <>
            <a class="button secondary" href={href(`/moments/${moment.id}/reporting`)}>
              Reporting
            </a>
            <a class="button secondary" href={href(`/moments/${moment.id}/accounts`)}>
              Accounts
            </a>
            <ConfirmButton
              label="Duplicate"
              question={<p>Create a draft copy of “{moment.name}” with the same rules, steps and sources?</p>}
              action={async () => {
                const copy = await call(
                  api.POST("/v1/admin/moments/{id}/duplicate", { params: { path: { id: moment.id } } }),
                );
                navigate(`/moments/${copy.id}`);
              }}
            />
            {moment.deletable && (
              <ConfirmButton
                label="Delete"
                danger
                question={<p>Delete “{moment.name}” for good? Its configuration cannot be recovered.</p>}
                action={async () => {
                  await call(api.DELETE("/v1/admin/moments/{id}", { params: { path: { id: moment.id } } }));
                  navigate("/moments");
                }}
              />
            )}
          </>
        }
      />

      <section class="card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        {/* Takes focus after a status change: it says the status the moment is in now. */}
        <div ref={statusArea} tabindex={-1}>
          {statusError && (
            <ErrorBox error={statusError} title="Your changes were saved, but the status did not change" />
          )}
          <p>
            This moment is <StatusBadge status={moment.status} />
            {moment.runningSince ? ` since ${formatTime(moment.runningSince)}` : ""}.
            {moment.status === "running" &&
              " Edits you save apply to accounts that enter from then on; runs in progress keep their version."}
          </p>
        </div>
        <div class="transitions">
          {moment.allowedTransitions.map((t) => (
            <div class="transition" key={t.status}>
              <ConfirmButton
                label={t.label}
                {...(t.endsRuns ? { danger: true } : {})}
                {...(t.blockedBy ? { disabled: true } : {})}
                pending={busy}
                question={
                  <>
                    <p>{t.effect}</p>
                    {dirty && (
                      <p class="warning">
                        You have unsaved changes: {dirtyFields.join(", ")}. Save them first, or discard them.
                      </p>
                    )}
                  </>
                }
                // The page shows the moment as it is after the change: unsaved edits would be lost
                // with it, so the dialog makes that a choice.
                {...(dirty
                  ? {
                      confirmLabel: `Save and ${verb(t.label)}`,
                      action: () => saveAndChangeStatus(t.status),
                      alternative: {
                        label: `Discard changes and ${verb(t.label)}`,
                        action: () => changeStatus(t.status),
                      },
                    }
                  : { action: () => changeStatus(t.status) })}
              />
              <span class="muted small">
                {t.effect}
                {t.blockedBy && <strong> Not possible yet: {t.blockedBy}.</strong>}
              </span>
            </div>
          ))}
        </div>
      </section>

      {conflict && (
        <div class="error" role="alert" tabindex={-1} ref={conflictBox}>
          <strong>This moment changed since you opened it (now version {conflict.latest.version}).</strong>
          <p>
            Your changes were not saved{forStatus ? ", so the status did not change" : ""}, and nothing was
            overwritten.
          </p>
          <p>
            Changed by someone else:{" "}
            {conflict.theirs.length > 0 ? conflict.theirs.join(", ") : "its status only"}. Your unsaved edits:{" "}
            {conflict.mine.join(", ")}.
          </p>
          <div class="actions">
            <button
              type="button"
              class="primary"
              onClick={() => {
                setSaved(undefined);
                reload();
              }}
            >
              Load the latest version (discard my edits)
            </button>
            <button type="button" class="secondary" onClick={() => setConflict(undefined)}>
              Keep my edits on screen
            </button>
          </div>
        </div>
      )}

      <form
        ref={form}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div class="savebar" aria-live="polite">
          {/* Takes focus after a save: the button that had it is disabled once nothing is unsaved. */}
          <span tabindex={-1} ref={saveStatus}>
            {/* Both after a save while the user typed on: the version it made, and what is not in it. */}
            {dirty
              ? `${saved ? `${saved} ` : ""}Unsaved changes: ${dirtyFields.join(", ")}`
              : (saved ?? "All changes saved.")}
          </span>
          {/* Not while a save is on its way (what would it discard, the edits sent or those since?),
              saying so while keeping focus, as Save does. */}
          <button
            type="button"
            class="secondary"
            disabled={!dirty}
            aria-disabled={busy || undefined}
            onClick={() => {
              if (busy) return;
              setDraft(base);
              // The button disables itself (nothing left to discard): the focus goes to what it did.
              saveStatus.current?.focus();
            }}
          >
            Discard changes
          </button>
          {/* Busy, it says so but keeps focus (a disabled button would drop it to the page's body). */}
          <button type="submit" class="primary" disabled={!dirty} aria-disabled={busy || undefined}>
            {busy ? "Saving…" : "Save changes"}
          </button>
        </div>
        {error && (
          <ErrorSummary
            error={error}
            title={forStatus ? "Not saved, so the status did not change" : "Not saved"}
            root={form}
          />
        )}
        <FieldErrors error={error}>
          <section class="card" aria-labelledby="props-title">
            <h2 id="props-title">Properties</h2>
            <Field label="Name" path="name">
              <input value={draft.name} onInput={(e) => set("name", e.currentTarget.value)} />
            </Field>
            <Field label="Description" path="description">
              <textarea
                value={draft.description ?? ""}
                onInput={(e) => set("description", e.currentTarget.value)}
              />
            </Field>
            <div class="row">
              <GoalField value={draft.goal} onChange={(goal) => set("goal", goal)} />
              <Field label="Sampling (% of accounts that enter)" path="samplingRate">
                <NumberInput
                  min={0}
                  max={100}
                  value={draft.samplingRate ?? 100}
                  onChange={(rate) => set("samplingRate", rate)}
                />
              </Field>
              <Field label="Re-entry" path="reentry.policy">
                <select
                  value={draft.reentry?.policy ?? "once"}
                  onChange={(e) => {
                    const policy = e.currentTarget.value;
                    set(
                      "reentry",
                      (policy === "cooldown"
                        ? { policy, cooldown: { amount: 30, unit: "days" } }
                        : { policy }) as MomentInput["reentry"],
                    );
                  }}
                >
                  <option value="once">Once per account</option>
                  <option value="after_exit">Again after its run ended</option>
                  <option value="cooldown">Again after a cooldown</option>
                </select>
              </Field>
            </div>
            <TimeFrameInput value={draft.timeFrame} onChange={(timeFrame) => set("timeFrame", timeFrame)} />
            {moment.templateSettings.length > 0 && (
              <fieldset>
                <legend>Settings of the {moment.template} template</legend>
                <p class="muted small">
                  Each is the field it sets below (the start rule, an end rule, a step's delay, re-entry):
                  change it here or there.
                </p>
                {moment.templateSettings.map((setting) => {
                  // Found by what it is in the draft, not by the saved moment's path: a step or end
                  // rule removed before it (unsaved) would shift that path onto another item's field.
                  const path = settingPointer(draft, setting.target);
                  const value =
                    path === undefined ? undefined : (valueAtPointer(draft, path) as Duration | undefined);
                  return path === undefined || value === undefined ? null : (
                    <DurationInput
                      key={setting.key}
                      label={setting.label}
                      path={path.split("/").slice(1).join(".")}
                      value={value}
                      onChange={(next) => {
                        const [field, edited] = writePointer(draft, path, next);
                        set(field as keyof MomentInput, edited as never);
                      }}
                    />
                  );
                })}
              </fieldset>
            )}
            <label class="check">
              <input
                type="checkbox"
                checked={draft.actionsEnabled !== false}
                onChange={(e) => set("actionsEnabled", e.currentTarget.checked)}
              />
              Actions on (off: accounts enter and end, steps are recorded as skipped)
            </label>
            <FieldGroup legend="Sources (audience)" path="sourceIds">
              {moment.sourcesLocked && (
                <p class="muted small">
                  Sources are fixed once a moment has run: duplicate it to target others.
                </p>
              )}
              {sources.data?.items.length === 0 && (
                <p>
                  No source yet. <a href={href("/sources")}>Create a source</a> first.
                </p>
              )}
              {sources.data?.items.map((s) => (
                <label class="check" key={s.id}>
                  <input
                    type="checkbox"
                    checked={(draft.sourceIds ?? []).includes(s.id)}
                    disabled={moment.sourcesLocked}
                    onChange={(e) =>
                      set(
                        "sourceIds",
                        e.currentTarget.checked
                          ? [...(draft.sourceIds ?? []), s.id]
                          : (draft.sourceIds ?? []).filter((x) => x !== s.id),
                      )
                    }
                  />
                  {s.name}
                </label>
              ))}
            </FieldGroup>
          </section>

          <section class="card" aria-labelledby="start-title">
            <h2 id="start-title">Start rule</h2>
            <StartRuleEditor start={draft.start} events={events} onChange={(start) => set("start", start)} />
          </section>

          <section class="card" aria-labelledby="end-title">
            <h2 id="end-title">End rules</h2>
            <EndRulesEditor rules={draft.end ?? []} onChange={(end) => set("end", end)} />
          </section>

          <section class="card" aria-labelledby="steps-title">
            <h2 id="steps-title">Steps</h2>
            <StepsEditor
              momentId={moment.id}
              steps={draft.steps ?? []}
              dirty={dirty}
              onChange={(steps) => set("steps", steps)}
            />
          </section>
        </FieldErrors>
      </form>
    </>
  );
}

/** datetime-local speaks local time without a zone; the API takes ISO 8601 with one. */
const toLocalInput = (iso: string | undefined) => {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

/** When the moment may start runs (optional): outside it, it starts nothing; runs in progress go on. */
export function TimeFrameInput({
  value,
  onChange,
}: {
  value: MomentInput["timeFrame"];
  onChange: (next: MomentInput["timeFrame"]) => void;
}) {
  const update = (key: "from" | "until", text: string) => {
    const next: Record<string, string> = { ...(value ?? {}) };
    const iso = fromLocalInput(text);
    if (iso) next[key] = iso;
    else delete next[key];
    onChange(Object.keys(next).length > 0 ? (next as MomentInput["timeFrame"]) : undefined);
  };
  return (
    <fieldset>
      <legend>Time frame (optional)</legend>
      <p class="muted small">Outside it the moment starts nothing; runs already in progress go on.</p>
      <div class="row">
        <Field label="Starts runs from" path="timeFrame.from">
          <input
            type="datetime-local"
            value={toLocalInput(value?.from)}
            onChange={(e) => update("from", e.currentTarget.value)}
          />
        </Field>
        <Field label="Until" path="timeFrame.until">
          <input
            type="datetime-local"
            value={toLocalInput(value?.until)}
            onChange={(e) => update("until", e.currentTarget.value)}
          />
        </Field>
      </div>
    </fieldset>
  );
}
