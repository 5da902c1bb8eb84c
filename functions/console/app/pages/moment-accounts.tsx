/** The accounts in a moment, by status (active by default), paged. */
import { api, call } from "../api/client.js";
import { href, location, navigate } from "../router.js";
import {
  Async,
  Empty,
  Field,
  formatTime,
  PageHeader,
  Pager,
  StatusBadge,
  TableWrap,
  usePager,
  useResource,
} from "../ui.js";

const FILTERS = [
  ["active", "In it now"],
  ["success", "Succeeded"],
  ["failed", "Failed"],
  ["completed", "Completed"],
  ["stopped", "Stopped"],
  ["all", "All"],
] as const;

export function MomentAccountsPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? "";
  const status = location.value.query.get("status") ?? "active";
  const pager = usePager();
  const moment = useResource(
    () => call(api.GET("/v1/admin/moments/{id}", { params: { path: { id } } })),
    [id],
  );
  const accounts = useResource(
    () =>
      call(
        api.GET("/v1/admin/moments/{id}/accounts", {
          params: {
            path: { id },
            query: { status, limit: "50", ...(pager.cursor ? { cursor: pager.cursor } : {}) },
          },
        }),
      ),
    [id, status, pager.cursor],
  );
  return (
    <>
      <PageHeader
        crumbs={[
          { label: "Moments", href: href("/moments") },
          { label: moment.data?.name ?? "Moment", href: href(`/moments/${id}`) },
        ]}
        title={`Accounts in ${moment.data?.name ?? "this moment"}`}
      />
      <div class="toolbar">
        <Field label="Show">
          <select
            value={status}
            onChange={(e) => {
              pager.reset();
              navigate(`/moments/${id}/accounts?status=${e.currentTarget.value}`, { replace: true });
            }}
          >
            {FILTERS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Async resource={accounts} what="accounts">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No account {status === "active" ? "is in this moment now" : "here yet"}.</Empty>
          ) : (
            <>
              <TableWrap label="Accounts">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">Status</th>
                      <th scope="col">Entered</th>
                      <th scope="col">Ended</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((a) => (
                      <tr key={`${a.accountId}-${a.startedAt}`}>
                        <td>
                          <a href={href(`/accounts/${encodeURIComponent(a.accountId)}`)}>{a.accountId}</a>
                        </td>
                        <td>
                          <StatusBadge status={a.status} />
                        </td>
                        <td>{formatTime(a.startedAt)}</td>
                        <td>{formatTime(a.endedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <Pager pager={pager} nextCursor={data.nextCursor} label="Accounts" />
            </>
          )
        }
      </Async>
    </>
  );
}
