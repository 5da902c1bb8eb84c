import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import { ErrorBox } from "../ui.js";

/**
 * The admin key is sent once, to be exchanged for an HttpOnly session cookie; the page keeps no
 * copy of it (the field is cleared), and nothing stores it.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  // The page's one task: ready to paste a key.
  useEffect(() => field.current?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await call(api.POST("/console/session", { body: { adminKey: key } }));
      setKey("");
      onSignedIn();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <form class="card sign-in-card" onSubmit={submit}>
        <p class="brand">
          <span class="logo" aria-hidden="true">
            ◆
          </span>{" "}
          Moments
        </p>
        <h1>Sign in to the console</h1>
        <p class="subtitle">
          Use an admin key of your workspace (<code>mk_admin_…</code>). <code>npm start</code> prints one; on
          AWS the first is in Secrets Manager.
        </p>
        <label class="field">
          <span class="field-label">Admin key</span>
          <input
            ref={field}
            type="password"
            autoComplete="off"
            spellcheck={false}
            required
            value={key}
            onInput={(e) => {
              setKey(e.currentTarget.value);
              // The error was about the key sent; this is another one.
              setError(undefined);
            }}
          />
        </label>
        {error && <ErrorBox error={error} title="Could not sign in" />}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
