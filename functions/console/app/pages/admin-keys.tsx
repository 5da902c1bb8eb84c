/** Admin keys of this workspace: issue (shown once), revoke (never the last active one). */
import { useState } from "preact/hooks";
import { type ApiError, api, call } from "../api/client.js";
import {
  Async,
  ConfirmButton,
  CopyButton,
  ErrorBox,
  formatTime,
  PageHeader,
  Pager,
  usePager,
  useResource,
} from "../ui.js";

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
  return (
    <>
      <PageHeader
        title="Admin keys"
        subtitle="Keys for the admin API and this console. Revoking a key also ends the console sessions opened with it."
        actions={
          <button
            type="button"
            class="primary"
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
        <div class="notice" role="status">
          <strong>Copy the admin key now: it is shown only once.</strong>
          <code class="secret">{issued}</code>
          <CopyButton text={issued} label="Copy admin key" />
        </div>
      )}
      {error && <ErrorBox error={error} />}
      <Async resource={keys} what="admin keys">
        {(data) => (
          <>
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
                  {data.items.map((k) => (
                    <tr key={k.id}>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{formatTime(k.createdAt)}</td>
                      <td>{k.revokedAt ? `Revoked ${formatTime(k.revokedAt)}` : "Active"}</td>
                      <td class="num">
                        {!k.revokedAt && (
                          <ConfirmButton
                            label={`Revoke ${k.prefix}`}
                            danger
                            question={
                              <p>
                                Revoke this admin key? Scripts and console sessions using it stop working at
                                once.
                              </p>
                            }
                            action={async () => {
                              await call(
                                api.DELETE("/v1/admin/admin-keys/{id}", { params: { path: { id: k.id } } }),
                              );
                              keys.reload();
                            }}
                          />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager pager={pager} nextCursor={data.nextCursor} label="Admin keys" />
          </>
        )}
      </Async>
    </>
  );
}
