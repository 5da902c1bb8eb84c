/** The console's few building blocks: data loading states, errors, paging, confirmation, fields. */
import { type ComponentChildren, createContext, type Ref, type RefObject, type TargetedEvent } from "preact";
import { useCallback, useContext, useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ApiError } from "./api/client.js";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** When the load on its way started (Date.now()), whether the first, a reload or one for new `deps`. */
  loadingSince: number;
  reload: () => void;
  /** Shows `data` as loaded (an answer that carries it, as a save's), dropping a load on its way. */
  replace: (data: T) => void;
}

/** Loads on mount and whenever `deps` change; `reload()` loads again (keeping the shown data). */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const drop = useRef(() => {});
  const loadingSince = useRef(Date.now());
  useEffect(() => {
    let live = true;
    loadingSince.current = Date.now();
    drop.current = () => {
      live = false;
    };
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: ApiError) => live && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const replace = useCallback((data: T) => {
    drop.current();
    setState({ data, loading: false });
  }, []);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    loadingSince: loadingSince.current,
    reload,
    replace,
  };
}

/** Runs `effect` every `ms` while the page is open (live pages), and once at once. */
export function useInterval(effect: () => void, ms: number) {
  const saved = useRef(effect);
  saved.current = effect;
  useEffect(() => {
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An error's message and the fields it names; `children` (a way out) below them. */
export function ErrorBox({
  error,
  title,
  children,
}: {
  error: Pick<ApiError, "message" | "details">;
  title?: string;
  children?: ComponentChildren;
}) {
  return (
    <div class="error" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>
      <p>{error.message}</p>
      {error.details && error.details.length > 0 && (
        <ul class="error-details">
          {error.details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              {d.path ? <code>{d.path}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      )}
      {children}
    </div>
  );
}

/** Loading, error and data states of a resource in one place. */
export function Async<T>({
  resource,
  what,
  back,
  children,
}: {
  resource: Resource<T>;
  what: string;
  /** Where to go when it cannot load (a page of one item: its list). */
  back?: { href: string; label: string };
  children: (data: T) => ComponentChildren;
}) {
  if (resource.data !== undefined) {
    return (
      <>
        {resource.error && <ErrorBox error={resource.error} title={`Could not refresh ${what}`} />}
        {children(resource.data)}
      </>
    );
  }
  if (resource.error) {
    return (
      <ErrorBox error={resource.error} title={`Could not load ${what}`}>
        {back && (
          <p>
            <a href={back.href}>{back.label}</a>
          </p>
        )}
      </ErrorBox>
    );
  }
  return <Loading what={what} />;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** The browser tab's title: the page's, then the console's. */
export function setDocumentTitle(page: string) {
  document.title = `${page} · Moments console`;
}

let headingFocusWanted = false;
let focusWatched = false;

/**
 * After a navigation in the page the next page's heading takes focus once it shows (a screen reader
 * reads where the user landed, Tab goes on from there), unless the user has put focus somewhere
 * meanwhile.
 */
export function focusHeadingOnNextPage() {
  headingFocusWanted = true;
  if (focusWatched) return;
  focusWatched = true;
  document.addEventListener("focusin", () => {
    headingFocusWanted = false;
  });
}

export function PageHeader({
  title,
  documentTitle,
  subtitle,
  actions,
  crumbs,
  badge,
}: {
  title: ComponentChildren;
  /** Beside the heading, out of its name (a status). */
  badge?: ComponentChildren;
  /** The browser tab's title when `title` is not plain text. */
  documentTitle?: string;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  crumbs?: { label: string; href: string }[];
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const name = documentTitle ?? (typeof title === "string" ? title : undefined);
  useEffect(() => {
    if (name) setDocumentTitle(name);
  }, [name]);
  useEffect(() => {
    if (!headingFocusWanted) return;
    headingFocusWanted = false;
    heading.current?.focus();
  }, []);
  return (
    <header class="page-header">
      {crumbs && (
        <nav aria-label="Breadcrumb" class="crumbs">
          {/* A separator between two links only (none after the last), seen but not read out. */}
          {/* biome-ignore lint/a11y/noRedundantRoles: Safari (VoiceOver) drops the list's semantics with its bullets (list-style: none). */}
          <ol role="list">
            {crumbs.map((c, i) => (
              <li key={c.href}>
                {i > 0 && <span aria-hidden="true"> / </span>}
                <a href={c.href}>{c.label}</a>
              </li>
            ))}
          </ol>
        </nav>
      )}
      <div class="page-header-row">
        <div>
          <div class="title-row">
            <h1 ref={heading} tabindex={-1}>
              {title}
            </h1>
            {badge}
          </div>
          {subtitle && <p class="subtitle">{subtitle}</p>}
        </div>
        {actions && <div class="actions">{actions}</div>}
      </div>
    </header>
  );
}

/** Cursor paging: remembers the cursors of the pages before, so Previous works too. */
export function usePager() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  return {
    cursor,
    page: cursors.length,
    next: (nextCursor: string) => setCursors((c) => [...c, nextCursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([undefined]),
  };
}

export function Pager({
  pager,
  nextCursor,
  label,
}: {
  pager: ReturnType<typeof usePager>;
  nextCursor: string | undefined;
  label: string;
}) {
  if (pager.page === 1 && !nextCursor) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="secondary" disabled={pager.page === 1} onClick={pager.previous}>
        Previous
      </button>
      <span>Page {pager.page}</span>
      <button
        type="button"
        class="secondary"
        disabled={!nextCursor}
        onClick={() => nextCursor && pager.next(nextCursor)}
      >
        Next
      </button>
    </nav>
  );
}

/**
 * A button that asks first (an accessible modal dialog, Escape cancels) and then runs `action`, or
 * `alternative` when the dialog offers another way; an error is shown in the dialog until it is
 * closed (a dialog opened again starts clean). Busy, its buttons say so (aria-disabled) but keep
 * focus: a disabled button would drop it to the page's body.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  action,
  alternative,
  danger,
  disabled,
  pending,
  triggerRef,
}: {
  label: string;
  question: ComponentChildren;
  confirmLabel?: string;
  action: () => Promise<unknown>;
  alternative?: { label: string; action: () => Promise<unknown> };
  danger?: boolean;
  disabled?: boolean;
  /**
   * Something on its way on the page (a save) that the action would race: the button says it is
   * unavailable (aria-disabled) but keeps focus, where `disabled` would drop it to the page's body.
   */
  pending?: boolean;
  /** The button that opens the dialog (to return focus to it later). */
  triggerRef?: Ref<HTMLButtonElement>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (chosen: () => Promise<unknown>) => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await chosen();
      dialog.current?.close();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        ref={triggerRef}
        class={danger ? "danger" : "secondary"}
        disabled={disabled}
        aria-disabled={pending || undefined}
        onClick={() => {
          if (pending) return;
          setError(undefined);
          dialog.current?.showModal();
        }}
      >
        {label}
      </button>
      {/* While its action is on its way the dialog stays: closing it would cancel nothing (the request
          goes on), and the page behind would take edits the action's answer then replaces. */}
      <dialog
        ref={dialog}
        aria-label={label}
        onClose={() => setError(undefined)}
        onCancel={(event) => {
          if (busy) event.preventDefault();
        }}
      >
        <h2>{label}</h2>
        <div>{question}</div>
        {error && <ErrorBox error={error} />}
        <div class="dialog-actions">
          <button
            type="button"
            class="secondary"
            aria-disabled={busy || undefined}
            onClick={() => {
              if (!busy) dialog.current?.close();
            }}
          >
            Cancel
          </button>
          {alternative && (
            <button
              type="button"
              class={danger ? "danger" : "secondary"}
              aria-disabled={busy || undefined}
              onClick={() => run(alternative.action)}
            >
              {alternative.label}
            </button>
          )}
          <button
            type="button"
            class={danger ? "danger" : "primary"}
            aria-disabled={busy || undefined}
            onClick={() => run(action)}
          >
            {confirmLabel ?? label}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** The API's field problems by path ("steps.0.action.question"), for the fields of a form. */
const FieldProblems = createContext<ReadonlyMap<string, string>>(new Map());

/** The fields below show the problems `error` names at their path (`Field`'s `path`). */
export function FieldErrors({
  error,
  children,
}: {
  error: Pick<ApiError, "details"> | undefined;
  children: ComponentChildren;
}) {
  const problems = new Map<string, string>();
  for (const d of error?.details ?? []) {
    if (d.path && !problems.has(d.path)) problems.set(d.path, readable(d.message));
  }
  return <FieldProblems.Provider value={problems}>{children}</FieldProblems.Provider>;
}

/** zod's wording for the usual limits, as a person would say it; anything else as the API said. */
export function readable(message: string | undefined): string {
  const text = message ?? "Not valid";
  const limit = /^Too (small|big): expected (string|number|array) to (?:have|be) ([<>]=?)(\d+)/.exec(text);
  if (!limit) return text;
  const [, , kind, , n] = limit;
  const small = limit[1] === "small";
  if (kind === "string") {
    if (small && n === "1") return "Required: enter a value";
    return small ? `Enter at least ${n} characters` : `Enter at most ${n} characters`;
  }
  if (kind === "array") return small ? `Add at least ${n}` : `At most ${n}`;
  return small ? `Must be at least ${n}` : `Must be at most ${n}`;
}

/**
 * A labelled form control (the label wraps it). Its name is the label's text alone, not its hint nor
 * a select's chosen option (aria-labelledby): the same whatever the value; the hint describes it.
 * With `path` (where the API puts its value) it shows the problem the API found there beside it:
 * the control is then aria-invalid and described by it, and an error summary finds it to focus it.
 */
export function Field({
  label,
  hint,
  path,
  children,
}: {
  label: string;
  hint?: ComponentChildren;
  path?: string;
  children: ComponentChildren;
}) {
  const problems = useContext(FieldProblems);
  const problem = path === undefined ? undefined : problems.get(path);
  const wrapper = useRef<HTMLLabelElement>(null);
  const id = useId();
  const [labelId, hintId, errorId] = [`${id}-label`, `${id}-hint`, `${id}-error`];
  // On the control this label wraps, whichever element it is (an input, a select, NumberInput's).
  useLayoutEffect(() => {
    const control = wrapper.current?.querySelector<HTMLInputElement>("input, select, textarea");
    if (!control) return;
    control.setAttribute("aria-labelledby", labelId);
    const described = (control.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter((ref) => ref && ref !== errorId && ref !== hintId);
    if (problem) described.push(errorId);
    if (hint) described.push(hintId);
    if (described.length > 0) control.setAttribute("aria-describedby", described.join(" "));
    else control.removeAttribute("aria-describedby");
    if (problem) {
      control.setAttribute("aria-invalid", "true");
      control.dataset.apiProblem = "";
    } else if (control.dataset.apiProblem !== undefined) {
      // Only what this field set: NumberInput says "Enter a number" with aria-invalid of its own.
      delete control.dataset.apiProblem;
      if (!Number.isNaN(control.valueAsNumber) || control.type !== "number")
        control.removeAttribute("aria-invalid");
    }
  });
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child this label wraps
    <label class="field" ref={wrapper} data-path={path}>
      <span class="field-label" id={labelId}>
        {label}
      </span>
      {children}
      {/* Out of the label's name (it is the field's description instead), on screen beside it. */}
      {problem && (
        <span class="field-error" id={errorId} aria-hidden="true">
          {problem}
        </span>
      )}
      {hint && (
        <span class="hint" id={hintId}>
          {hint}
        </span>
      )}
    </label>
  );
}

/**
 * Controls that set one field together (a list's checkboxes), named by their legend: shows the
 * problem the API found at `path` or at one of its items, as `Field` does (the group described by
 * it), and an error summary names the problem by the legend and focuses the first control.
 */
export function FieldGroup({
  legend,
  path,
  children,
}: {
  legend: string;
  path: string;
  children: ComponentChildren;
}) {
  const problems = useContext(FieldProblems);
  const problem = [...problems].find(([at]) => at === path || at.startsWith(`${path}.`))?.[1];
  const errorId = useId();
  return (
    <fieldset data-path={path} aria-describedby={problem ? errorId : undefined}>
      <legend>{legend}</legend>
      {problem && (
        <p class="field-error" id={errorId}>
          {problem}
        </p>
      )}
      {children}
    </fieldset>
  );
}

/** The field a problem's path names in `root`: itself, else its first field below, else one above. */
function fieldAt(root: HTMLElement | null, path: string) {
  if (!root) return undefined;
  const at = (p: string) => root.querySelector<HTMLElement>(`[data-path="${CSS.escape(p)}"]`);
  let found = at(path) ?? root.querySelector<HTMLElement>(`[data-path^="${CSS.escape(`${path}.`)}"]`);
  for (let p = path; !found && p.includes("."); ) {
    p = p.slice(0, p.lastIndexOf("."));
    found = at(p);
  }
  const control = found?.querySelector<HTMLElement>("input, select, textarea");
  const label = (found?.querySelector(":scope > legend") ?? found?.querySelector(".field-label"))
    ?.textContent;
  return control && label ? { control, label } : undefined;
}

/**
 * A failed save: what the API said, each problem named by the field the user sees (a button that
 * focuses it) instead of its path. Takes focus when it shows, so a keyboard or screen reader user
 * lands on it.
 */
export function ErrorSummary({
  error,
  title,
  root,
}: {
  error: ApiError;
  title: string;
  /** Where the fields are (the form). */
  root: RefObject<HTMLElement | null>;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [error]);
  const details = (error.details ?? []).map((d) => ({
    ...d,
    field: d.path ? fieldAt(root.current, d.path) : undefined,
  }));
  return (
    <div class="error" role="alert" tabindex={-1} ref={box}>
      <strong>{title}</strong>
      <p>
        {details.length === 0
          ? error.message
          : details.length === 1
            ? "Correct this field and save again:"
            : `Correct these ${details.length} fields and save again:`}
      </p>
      {details.length > 0 && (
        <ul class="error-details">
          {details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              {d.field ? (
                <button type="button" class="link" onClick={() => d.field?.control.focus()}>
                  {d.field.label}
                </button>
              ) : d.path ? (
                <code>{d.path}</code>
              ) : null}
              {d.field || d.path ? ": " : ""}
              {readable(d.message)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * A number field whose empty (or unreadable) value is NaN, never 0: it then says "Enter a number"
 * beside the field (its description), and the form will not submit (custom validity).
 */
export function NumberInput({
  value,
  onChange,
  min,
  max,
}: {
  value: number;
  onChange: (next: number) => void;
  min?: number;
  max?: number;
}) {
  const input = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const invalid = Number.isNaN(value);
  useEffect(() => {
    input.current?.setCustomValidity(invalid ? "Enter a number" : "");
  }, [invalid]);
  return (
    <>
      <input
        ref={input}
        type="number"
        min={min}
        max={max}
        value={invalid ? "" : value}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? errorId : undefined}
        onInput={(e) => onChange(e.currentTarget.valueAsNumber)}
      />
      {/* Out of the label's name (it is the field's description instead), on screen beside it. */}
      {invalid && (
        <span class="field-error" id={errorId} aria-hidden="true">
          Enter a number
        </span>
      )}
    </>
  );
}

const STATUS_LABELS: Record<string, string> = {
  draft: "Draft",
  running: "Running",
  paused: "Paused",
  stopped: "Stopped",
  archived: "Archived",
  active: "Active",
  success: "Succeeded",
  failed: "Failed",
  completed: "Completed",
};

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}

/**
 * The browser's locale when Intl accepts it, else the same without a POSIX modifier (Chromium on a
 * C/POSIX system locale reports "en-US@posix", which Intl rejects), else en-US.
 */
export const LOCALE = (() => {
  const wanted = globalThis.navigator?.language ?? "en-US";
  for (const tag of [wanted, wanted.split("@")[0] ?? ""]) {
    try {
      new Intl.DateTimeFormat(tag);
      if (tag) return tag;
    } catch {
      // The next candidate.
    }
  }
  return "en-US";
})();

const dateTime = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

export function formatTime(iso: string | undefined): string {
  if (!iso) return "—";
  return dateTime.format(new Date(iso));
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${value}%`;
}

/**
 * A secret the API shows only once (an admin or write key, an identity or signing secret), with a
 * copy button, until the user says they copied it: then it leaves the page (not left on screen for
 * whoever looks next), and focus goes to another such secret still shown beside it, else back to
 * `returnFocus` (the control that issued it), never to the page's body.
 */
export function ShownOnce({
  secret,
  what,
  of,
  onDone,
  returnFocus,
  children,
}: {
  secret: string;
  what: string;
  /** Whose secret it is (a source's name), where two of a kind can be shown at once. */
  of?: string;
  onDone: () => void;
  returnFocus: RefObject<HTMLElement | null>;
  children?: ComponentChildren;
}) {
  const box = useRef<HTMLElement>(null);
  const headingId = useId();
  const whose = of === undefined ? what : `${what} of ${of}`;
  const done = () => {
    const beside = [...(box.current?.parentElement?.children ?? [])].find(
      (other) => other !== box.current && other.classList.contains("shown-once"),
    );
    (beside instanceof HTMLElement ? beside : returnFocus.current)?.focus();
    onDone();
  };
  return (
    // Only its heading is announced (a live region): a screen reader reading the secret aloud would
    // tell it to anyone listening. The box is named by the heading when it takes focus.
    <section class="notice shown-once" aria-labelledby={headingId} tabindex={-1} ref={box}>
      <strong id={headingId} role="status">
        Copy the {what} now: it is shown only once.
      </strong>
      {children}
      <code class="secret">{secret}</code>
      <div class="actions">
        <CopyButton text={secret} label={`Copy ${what}`} name={`Copy ${whose}`} />
        {/* Its name starts with what it shows (label in name), then says what it does to which secret. */}
        <button
          type="button"
          class="secondary"
          aria-label={`Done, I've copied it: hide the ${whose}`}
          onClick={done}
        >
          Done, I've copied it
        </button>
      </div>
    </section>
  );
}

/** Copies text and says so (for a secret shown once); `name`, when the label alone is not unique. */
export function CopyButton({ text, label, name }: { text: string; label: string; name?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      {...(name && !copied ? { "aria-label": name } : {})}
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setCopied(true);
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}

export type InputEvent = TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>;
export const inputValue = (event: InputEvent) => event.currentTarget.value;

/** The value, once it has stopped changing for `ms` (search as you type without a request per key). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * A table's box: on a narrow screen it scrolls sideways instead of clipping its right-hand columns,
 * and then it is a named region that takes focus, so a keyboard scrolls it too (axe's
 * scrollable-region-focusable). Not a tab stop while it fits.
 */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth + 1);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    const table = element.firstElementChild;
    if (table) observer.observe(table);
    return () => observer.disconnect();
  }, []);
  return (
    <div
      class="table-wrap"
      ref={box}
      {...(scrolls ? { role: "region", "aria-label": label, tabindex: 0 } : {})}
    >
      {children}
    </div>
  );
}

export interface IssuedKey {
  id: string;
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

/**
 * Issued keys (admin or write keys): prefix, created, status, and a confirmed revoke of active ones.
 * A revoke removes its button: focus goes to the notice saying it was revoked, not to the page's body.
 */
export function KeyTable({
  items,
  label,
  question,
  revoke,
}: {
  items: readonly IssuedKey[];
  label: string;
  question: ComponentChildren;
  revoke: (key: IssuedKey) => Promise<void>;
}) {
  const [revoked, setRevoked] = useState<string | undefined>();
  const notice = useRef<HTMLParagraphElement>(null);
  const focusWanted = useRef(false);
  // Once the list shows the key revoked (its button gone).
  useEffect(() => {
    if (focusWanted.current && items.some((k) => k.prefix === revoked && k.revokedAt)) {
      focusWanted.current = false;
      notice.current?.focus();
    }
  }, [items, revoked]);
  return (
    <>
      {revoked && (
        <p class="notice" role="status" tabindex={-1} ref={notice}>
          Key <code>{revoked}…</code> revoked.
        </p>
      )}
      <TableWrap label={label}>
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((key) => (
              <tr key={key.id}>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{formatTime(key.createdAt)}</td>
                <td>{key.revokedAt ? `Revoked ${formatTime(key.revokedAt)}` : "Active"}</td>
                <td class="num">
                  {!key.revokedAt && (
                    <ConfirmButton
                      label={`Revoke ${key.prefix}`}
                      danger
                      question={question}
                      action={async () => {
                        await revoke(key);
                        focusWanted.current = true;
                        setRevoked(key.prefix);
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}
