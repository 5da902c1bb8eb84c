/** Admin keys of this workspace: issue (shown once), revoke (never the last active one). */
import { useRef, useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import { Async, ErrorBox, KeyTable, PageHeader, Pager, ShownOnce, usePager, useResource } from "../ui.js";

export function AdminKeysPage() {
  const pager = usePager();
  const keys = useResource(
    () =>
      call(
        api.GET("/v1/admin/admin-keys", {
          params: { query: { limit: "50", ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  const [issued, setIssued] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const issueButton = useRef<HTMLButtonElement>(null);
  return (
    <>
      <PageHeader
        title="Admin keys"
        subtitle="Keys for the admin API and this console. Revoking a key also ends the console sessions opened with it."
        actions={
          <button
            type="button"
            class="primary"
            ref={issueButton}
            onClick={async () => {
              setError(undefined);
              try {
                setIssued((await call(api.POST("/v1/admin/admin-keys"))).adminKey);
                keys.reload();
              } catch (err) {
                setError(err as ApiError);
              }
            }}
          >
            Issue an admin key
          </button>
        }
      />
      {issued && (
        <ShownOnce
          secret={issued}
          what="admin key"
          returnFocus={issueButton}
          onDone={() => setIssued(undefined)}
        />
      )}
      {error && <ErrorBox error={error} />}
      <Async resource={keys} what="admin keys">
        {(data) => (
          <>
            <KeyTable
              label="Admin keys"
              items={data.items}
              question={
                <p>Revoke this admin key? Scripts and console sessions using it stop working at once.</p>
              }
              revoke={async (k) => {
                await call(api.DELETE("/v1/admin/admin-keys/{id}", { params: { path: { id: k.id } } }));
                keys.reload();
              }}
            />
            <Pager pager={pager} nextCursor={data.nextCursor} label="Admin keys" />
          </>
        )}
      </Async>
    </>
  );
}
