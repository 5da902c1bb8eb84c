/** Sources (audience configurations), their allowed domains and write keys (shown once; revoke). */
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import type { IssuedIdentitySecret, Source } from "../api/types.js";
import { href, location } from "../router.js";
import {
  Async,
  ConfirmButton,
  Empty,
  ErrorSummary,
  Field,
  FieldErrors,
  formatTime,
  KeyTable,
  PageHeader,
  Pager,
  ShownOnce,
  usePager,
  useResource,
} from "../ui.js";

/** What the identity secret is for, where it was issued: it never goes into a web page. */
function IdentitySecretUse() {
  return (
    <p>
      Your backend signs each signed-in user's token with it (the in-app widget and inbox need one; see
      "Identity verification" in the README). Keep it on your servers: never put it in a web page.
    </p>
  );
}

/**
 * Allowed domains as typed: separated by commas (or line breaks), never by spaces, so a value with a
 * space in it ("https://bad domain/") is one entry the API names, not two.
 */
function domainList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((d) => d.trim())
    .filter(Boolean);
}

/**
 * The API names an allowed domain by its index (allowedDomains.1): the field is one text box, so the
 * problem is put on it, quoting the entry it is about.
 */
function domainProblems(error: ApiError, domains: string[]): ApiError {
  if (!error.details) return error;
  return {
    ...error,
    details: error.details.map((d) => {
      const entry = /^allowedDomains\.(\d+)$/.exec(d.path ?? "");
      const typed = entry ? domains[Number(entry[1])] : undefined;
      return typed === undefined ? d : { path: "allowedDomains", message: `“${typed}” ${d.message ?? ""}` };
    }),
  };
}

export function SourcesPage() {
  const pager = usePager();
  const sources = useResource(
    () =>
      call(
        api.GET("/v1/admin/sources", {
          params: { query: { limit: "25", ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  const [name, setName] = useState("");
  const [domains, setDomains] = useState("");
  // A new source's secrets, each until the user has copied it.
  const [created, setCreated] = useState<
    { name: string; writeKey?: string; identitySecret?: string } | undefined
  >();
  const createButton = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const next = location.value.query.get("next");
  const form = useRef<HTMLFormElement>(null);
  // A deleted source's card goes, its Delete button with it: focus goes to the notice saying so,
  // once the list no longer shows it.
  const [deleted, setDeleted] = useState<{ id: string; name: string } | undefined>();
  const deletedNotice = useRef<HTMLParagraphElement>(null);
  const focusDeleted = useRef(false);
  useEffect(() => {
    if (focusDeleted.current && deleted && !sources.data?.items.some((s) => s.id === deleted.id)) {
      focusDeleted.current = false;
      deletedNotice.current?.focus();
    }
  }, [sources.data, deleted]);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const allowedDomains = domainList(domains);
    try {
      const source = await call(api.POST("/v1/admin/sources", { body: { name, allowedDomains } }));
      setCreated({ name: source.name, writeKey: source.writeKey, identitySecret: source.identitySecret });
      setName("");
      setDomains("");
      sources.reload();
    } catch (err) {
      setError(domainProblems(err as ApiError, allowedDomains));
    }
  };

  return (
    <>
      <PageHeader
        title="Sources"
        subtitle="Where events come from. Each source has write keys and the browser origins allowed to use them."
      />
      <form class="card" onSubmit={create} aria-labelledby="new-source" ref={form}>
        <h2 id="new-source">New source</h2>
        <FieldErrors error={error}>
          <div class="row">
            <Field label="Source name" path="name">
              <input
                required
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
                placeholder="Web app"
              />
            </Field>
            <Field
              label="Allowed domains"
              path="allowedDomains"
              hint="Browser origins, comma-separated: app.acme.com, *.acme.dev, localhost:5173"
            >
              <input value={domains} onInput={(e) => setDomains(e.currentTarget.value)} />
            </Field>
          </div>
        </FieldErrors>
        {error && <ErrorSummary error={error} title="Not created" root={form} />}
        <button type="submit" class="primary" ref={createButton}>
          Create source
        </button>
      </form>
      {created && (
        <>
          {created.writeKey && (
            <ShownOnce
              secret={created.writeKey}
              what="write key"
              of={created.name}
              returnFocus={createButton}
              onDone={() => setCreated((c) => ({ ...c, writeKey: undefined }))}
            />
          )}
          {created.identitySecret && (
            <ShownOnce
              secret={created.identitySecret}
              what="identity secret"
              of={created.name}
              returnFocus={createButton}
              onDone={() => setCreated((c) => ({ ...c, identitySecret: undefined }))}
            >
              <IdentitySecretUse />
            </ShownOnce>
          )}
          {next === "new-moment" && (
            <p>
              <a class="button primary" href={href("/moments/new")}>
                Continue to the new moment
              </a>
            </p>
          )}
        </>
      )}
      {deleted && (
        <p class="notice" role="status" tabindex={-1} ref={deletedNotice}>
          Source “{deleted.name}” deleted.
        </p>
      )}
      <Async resource={sources} what="sources">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No source yet: create one above to get a write key.</Empty>
          ) : (
            <>
              {data.items.map((s) => (
                <SourceCard
                  key={s.id}
                  source={s}
                  onChange={sources.reload}
                  onDeleted={() => {
                    focusDeleted.current = true;
                    setDeleted({ id: s.id, name: s.name });
                    sources.reload();
                  }}
                />
              ))}
              <Pager pager={pager} nextCursor={data.nextCursor} label="Sources" />
            </>
          )
        }
      </Async>
    </>
  );
}

/** A source's settings and write keys: in the list of sources, and on the source's own page. */
export function SourceCard({
  source,
  onChange,
  onDeleted = onChange,
  onOwnPage = false,
}: {
  source: Source;
  onChange: () => void;
  onDeleted?: () => void;
  /** On the source's own page: its name is the page's title, and its debugger is below the card. */
  onOwnPage?: boolean;
}) {
  const keyPager = usePager();
  const keys = useResource(
    () =>
      call(
        api.GET("/v1/admin/sources/{id}/write-keys", {
          params: {
            path: { id: source.id },
            query: { limit: "50", ...(keyPager.cursor ? { cursor: keyPager.cursor } : {}) },
          },
        }),
      ),
    [source.id, keyPager.cursor],
  );
  const [issued, setIssued] = useState<string | undefined>();
  const [identity, setIdentity] = useState<IssuedIdentitySecret | undefined>();
  const [domains, setDomains] = useState(source.allowedDomains.join(", "));
  const [subject, setSubject] = useState(source.subject);
  const [requireUserToken, setRequireUserToken] = useState(source.requireUserToken);
  const [error, setError] = useState<ApiError | undefined>();
  const card = useRef<HTMLElement>(null);
  const issueButton = useRef<HTMLButtonElement>(null);
  const rotateButton = useRef<HTMLButtonElement>(null);
  const saveSettings = async () => {
    setError(undefined);
    const allowedDomains = domainList(domains);
    try {
      await call(
        api.PATCH("/v1/admin/sources/{id}", {
          params: { path: { id: source.id } },
          body: { allowedDomains, subject, requireUserToken },
        }),
      );
      onChange();
    } catch (err) {
      setError(domainProblems(err as ApiError, allowedDomains));
    }
  };
  return (
    <section class="card" aria-labelledby={`source-${source.id}`} ref={card}>
      <div class="page-header-row">
        <div>
          <h2 id={`source-${source.id}`}>{onOwnPage ? "Settings and write keys" : source.name}</h2>
          <p class="muted small">
            Created {formatTime(source.createdAt)} · id <code>{source.id}</code> ·{" "}
            {source.identitySecretIssuedAt
              ? `identity secret issued ${formatTime(source.identitySecretIssuedAt)}`
              : "no identity secret"}
            {!onOwnPage && (
              <>
                {" "}
                · <a href={href(`/sources/${source.id}`)}>Debugger: what {source.name} received</a>
              </>
            )}
          </p>
        </div>
        <div class="actions">
          <button
            type="button"
            class="secondary"
            ref={issueButton}
            onClick={async () => {
              setError(undefined);
              try {
                const key = await call(
                  api.POST("/v1/admin/sources/{id}/write-keys", { params: { path: { id: source.id } } }),
                );
                setIssued(key.writeKey);
                keys.reload();
              } catch (err) {
                setError(err as ApiError);
              }
            }}
          >
            Issue a write key
          </button>
          <ConfirmButton
            label={`Rotate ${source.name}'s identity secret`}
            confirmLabel="Rotate identity secret"
            triggerRef={rotateButton}
            question={
              <>
                <p>
                  Issue a new identity secret for {source.name}? It is shown once. User tokens signed with the
                  current secret keep working for 24 hours, time to deploy the new one.
                </p>
                {source.previousIdentitySecretValidUntil &&
                  Date.parse(source.previousIdentitySecretValidUntil) > Date.now() && (
                    <p class="warning">
                      The secret before the current one still works until{" "}
                      {formatTime(source.previousIdentitySecretValidUntil)}: rotating again ends it now.
                    </p>
                  )}
              </>
            }
            action={async () => {
              const secret = await call(
                api.POST("/v1/admin/sources/{id}/identity-secret", { params: { path: { id: source.id } } }),
              );
              setIdentity(secret);
              onChange();
            }}
          />
          <ConfirmButton
            label={`Delete ${source.name}`}
            danger
            question={<p>Delete this source? Its write keys stop working within 5 seconds.</p>}
            action={async () => {
              await call(api.DELETE("/v1/admin/sources/{id}", { params: { path: { id: source.id } } }));
              onDeleted();
            }}
          />
        </div>
      </div>
      {issued && (
        <ShownOnce
          secret={issued}
          what="write key"
          of={source.name}
          returnFocus={issueButton}
          onDone={() => setIssued(undefined)}
        />
      )}
      {identity && (
        <ShownOnce
          secret={identity.identitySecret}
          what="identity secret"
          of={source.name}
          returnFocus={rotateButton}
          onDone={() => setIdentity(undefined)}
        >
          <IdentitySecretUse />
          <p>
            {identity.previousIdentitySecretValidUntil
              ? `The previous secret keeps working until ${formatTime(identity.previousIdentitySecretValidUntil)}: deploy the new one before then.`
              : "No previous secret was in use."}
          </p>
        </ShownOnce>
      )}
      {error && <ErrorSummary error={error} title="Something went wrong" root={card} />}
      <FieldErrors error={error}>
        <div class="row">
          <Field
            label={`Allowed domains of ${source.name}`}
            path="allowedDomains"
            hint="Comma-separated: app.acme.com, *.acme.dev, localhost:5173"
          >
            <input value={domains} onInput={(e) => setDomains(e.currentTarget.value)} />
          </Field>
          <Field
            label={`Who ${source.name}'s events are about`}
            hint="When an event names no account: its user's organization, or the person themselves."
          >
            <select value={subject} onChange={(e) => setSubject(e.currentTarget.value as Source["subject"])}>
              <option value="account">Organizations (B2B): the user's account</option>
              <option value="user">People (consumer mode): each person is an account</option>
            </select>
          </Field>
        </div>
      </FieldErrors>
      <label class="check">
        <input
          type="checkbox"
          checked={requireUserToken}
          onChange={(e) => setRequireUserToken(e.currentTarget.checked)}
        />
        Browser calls must carry a user token (a copied write key cannot change another account's traits)
      </label>
      <button type="button" class="secondary" onClick={saveSettings}>
        Save {source.name}'s settings
      </button>
      <h3>Write keys</h3>
      <Async resource={keys} what="write keys">
        {(k) => (
          <>
            <KeyTable
              label={`${source.name}'s write keys`}
              items={k.items}
              question={<p>Revoke this key? Every request with it is refused (401) within 5 seconds.</p>}
              revoke={async (key) => {
                await call(
                  api.DELETE("/v1/admin/sources/{id}/write-keys/{keyId}", {
                    params: { path: { id: source.id, keyId: key.id } },
                  }),
                );
                keys.reload();
              }}
            />
            <Pager pager={keyPager} nextCursor={k.nextCursor} label={`${source.name}'s write keys`} />
          </>
        )}
      </Async>
    </section>
  );
}
