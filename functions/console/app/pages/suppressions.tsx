/** Addresses no email goes to (unsubscribed, bounced, complained); removing one allows sends again. */
import { api, call } from "../api/client.js";
import {
  Async,
  ConfirmButton,
  Empty,
  formatTime,
  PageHeader,
  Pager,
  TableWrap,
  usePager,
  useResource,
} from "../ui.js";

export function SuppressionsPage() {
  const pager = usePager();
  const list = useResource(
    () =>
      call(
        api.GET("/v1/admin/suppressions", {
          params: { query: { limit: "50", ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  return (
    <>
      <PageHeader
        title="Suppressions"
        subtitle="Addresses that unsubscribed, bounced or complained: no email is sent to them."
      />
      <Async resource={list} what="suppressions">
        {(data) =>
          data.items.length === 0 ? (
            <Empty>No suppressed address.</Empty>
          ) : (
            <>
              <TableWrap label="Suppressions">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Address</th>
                      <th scope="col">Reason</th>
                      <th scope="col">Since</th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((s) => (
                      <tr key={s.address}>
                        <td>{s.address}</td>
                        <td>
                          {s.reason}
                          {s.detail ? <span class="muted small"> · {s.detail}</span> : null}
                        </td>
                        <td>{formatTime(s.suppressedAt)}</td>
                        <td class="num">
                          <ConfirmButton
                            label={`Remove ${s.address}`}
                            danger
                            question={
                              <p>Send emails to {s.address} again? Only do this if they asked for it.</p>
                            }
                            action={async () => {
                              await call(
                                api.DELETE("/v1/admin/suppressions/{address}", {
                                  params: { path: { address: s.address } },
                                }),
                              );
                              list.reload();
                            }}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <Pager pager={pager} nextCursor={data.nextCursor} label="Suppressions" />
            </>
          )
        }
      </Async>
    </>
  );
}
