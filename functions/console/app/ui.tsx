/** The console's few building blocks: data loading states, errors, paging, confirmation, fields. */
import type { ComponentChildren, TargetedEvent } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import type { ApiError } from "./api/client.js";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads on mount and whenever `deps` change; `reload()` loads again (keeping the shown data). */
export function useResource<T>(load: () => Promise<T>, deps: unknown[]): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
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
  return { data: state.data, error: state.error, loading: state.loading, reload };
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
  children,
}: {
  resource: Resource<T>;
  what: string;
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
  if (resource.error) return <ErrorBox error={resource.error} title={`Could not load ${what}`} />;
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
}: {
  title: ComponentChildren;
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
          {crumbs.map((c) => (
            <span key={c.href}>
              <a href={c.href}>{c.label}</a> /{" "}
            </span>
          ))}
        </nav>
      )}
      <div class="page-header-row">
        <div>
          <h1 ref={heading} tabindex={-1}>
            {title}
          </h1>
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
 * closed (a dialog opened again starts clean).
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  action,
  alternative,
  danger,
  disabled,
}: {
  label: string;
  question: ComponentChildren;
  confirmLabel?: string;
  action: () => Promise<unknown>;
  alternative?: { label: string; action: () => Promise<unknown> };
  danger?: boolean;
  disabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (chosen: () => Promise<unknown>) => {
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
        class={danger ? "danger" : "secondary"}
        disabled={disabled}
        onClick={() => {
          setError(undefined);
          dialog.current?.showModal();
        }}
      >
        {label}
      </button>
      <dialog ref={dialog} aria-label={label} onClose={() => setError(undefined)}>
        <h2>{label}</h2>
        <div>{question}</div>
        {error && <ErrorBox error={error} />}
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          {alternative && (
            <button
              type="button"
              class={danger ? "danger" : "secondary"}
              disabled={busy}
              onClick={() => run(alternative.action)}
            >
              {alternative.label}
            </button>
          )}
          <button
            type="button"
            class={danger ? "danger" : "primary"}
            disabled={busy}
            onClick={() => run(action)}
          >
            {confirmLabel ?? label}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** A labelled form control (the label wraps it, so the name is always right). */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child this label wraps
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint && <span class="hint">{hint}</span>}
    </label>
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

/** Copies text and says so (for write keys, shown once). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
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

export interface IssuedKey {
  id: string;
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

/** Issued keys (admin or write keys): prefix, created, status, and a confirmed revoke of active ones. */
export function KeyTable({
  items,
  question,
  revoke,
}: {
  items: readonly IssuedKey[];
  question: ComponentChildren;
  revoke: (key: IssuedKey) => Promise<void>;
}) {
  return (
    <div class="table-wrap">
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
                    action={() => revoke(key)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
