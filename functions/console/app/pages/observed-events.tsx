/** Events the apps sent, most frequent first: which moments use them; promote one to a moment. */
import { api, call } from "../api/client.js";
import { href, navigate } from "../router.js";
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

const PAGE = 25;

export function ObservedEventsPage() {
  const events = useResource(() => call(api.GET("/v1/admin/observed-events")), []);
  const pager = usePager();
  const page = Number(pager.cursor ?? 0);
  return (
    <>
      <PageHeader
        title="Observed events"
        subtitle="Every event name your apps sent, most frequent first, and the moments that use it."
      />
      <Async resource={events} what="observed events">
        {(data) => {
          if (data.items.length === 0) {
            return <Empty>No event received yet: send one with a source's write key.</Empty>;
          }
          const shown = data.items.slice(page, page + PAGE);
          const next = page + PAGE < data.items.length ? String(page + PAGE) : undefined;
          return (
            <>
              <TableWrap label="Observed events">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col" class="num">
                        Count
                      </th>
                      <th scope="col">First seen</th>
                      <th scope="col">Last seen</th>
                      <th scope="col">Properties</th>
                      <th scope="col">Used by</th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((e) => (
                      <tr key={e.name}>
                        <td>
                          <code>{e.name}</code>
                        </td>
                        <td class="num">{e.count}</td>
                        <td class="small">{formatTime(e.firstSeenAt)}</td>
                        <td class="small">{formatTime(e.lastSeenAt)}</td>
                        <td class="small">{e.sampleProperties.join(", ") || "—"}</td>
                        <td class="small">
                          {e.usedBy.length === 0
                            ? "No moment"
                            : e.usedBy.map((m, i) => (
                                <span key={m.momentId}>
                                  {i > 0 ? ", " : ""}
                                  <a href={href(`/moments/${m.momentId}`)}>{m.name}</a>
                                </span>
                              ))}
                        </td>
                        <td class="num">
                          <ConfirmButton
                            label={`Promote ${e.name}`}
                            confirmLabel="Create draft moment"
                            question={
                              <p>
                                Create a draft moment that starts on “{e.name}”? Add its source and steps
                                next.
                              </p>
                            }
                            action={async () => {
                              const moment = await call(
                                api.POST("/v1/admin/observed-events/{name}/promote", {
                                  params: { path: { name: e.name } },
                                }),
                              );
                              navigate(`/moments/${moment.id}`);
                            }}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <Pager pager={pager} nextCursor={next} label="Observed events" />
            </>
          );
        }}
      </Async>
    </>
  );
}
