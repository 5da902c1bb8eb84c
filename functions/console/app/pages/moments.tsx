import { useState } from "preact/hooks";
import { api, call } from "../api/client.js";
import { href, location, navigate } from "../router.js";
import {
  Async,
  Empty,
  Field,
  formatTime,
  PageHeader,
  Pager,
  percent,
  StatusBadge,
  TableWrap,
  useDebounced,
  usePager,
  useResource,
} from "../ui.js";

export const GOALS = [
  ["activate", "Activate"],
  ["convert", "Convert"],
  ["grow", "Grow"],
  ["recover", "Recover"],
  ["other", "Other"],
] as const;

export type Goal = (typeof GOALS)[number][0];

/** A moment's goal (on a moment's page and the new-moment page), where the API's problems name it. */
export function GoalField({ value, onChange }: { value: string; onChange: (goal: Goal) => void }) {
  return (
    <Field label="Goal" path="goal">
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as Goal)}>
        {GOALS.map(([goal, label]) => (
          <option key={goal} value={goal}>
            {label}
          </option>
        ))}
      </select>
    </Field>
  );
}

export const STATUSES = ["draft", "running", "stopped", "archived"] as const;

const statusLabel = (status: string) => status.charAt(0).toUpperCase() + status.slice(1);

/** What an empty filtered list was filtered by: "No moment with status Archived matches “cart”." */
export function noMatch(search: string, status: string): string {
  const withStatus = status ? ` with status ${statusLabel(status)}` : "";
  return search ? `No moment${withStatus} matches “${search}”.` : `No moment${withStatus}.`;
}

/**
 * Moments grouped by goal, most recently updated first, one page at a time (the grouping is of
 * the page shown). Search and the status filter live in the URL, so a filtered list can be shared.
 */
export function MomentsPage() {
  const query = location.value.query;
  const [q, setQ] = useState(query.get("q") ?? "");
  const status = query.get("status") ?? "";
  const search = useDebounced(q, 250);
  const pager = usePager();
  const moments = useResource(
    () =>
      call(
        api.GET("/v1/admin/moments", {
          params: {
            query: {
              limit: "50",
              ...(search ? { q: search } : {}),
              ...(status ? { status } : {}),
              ...(pager.cursor ? { cursor: pager.cursor } : {}),
            },
          },
        }),
      ),
    [search, status, pager.cursor],
  );
  const setFilter = (next: { q?: string; status?: string }) => {
    const params = new URLSearchParams();
    const nq = next.q ?? q;
    const ns = next.status ?? status;
    if (nq) params.set("q", nq);
    if (ns) params.set("status", ns);
    pager.reset();
    navigate(`/moments${params.size ? `?${params}` : ""}`, { replace: true });
  };
  return (
    <>
      <PageHeader
        title="Moments"
        subtitle="Automated playbooks, each started by something a customer does."
        actions={
          <a class="button primary" href={href("/moments/new")}>
            New moment
          </a>
        }
      />
      <div class="toolbar">
        <Field label="Search">
          <input
            type="search"
            placeholder="Name or description"
            value={q}
            onInput={(e) => {
              setQ(e.currentTarget.value);
              setFilter({ q: e.currentTarget.value });
            }}
          />
        </Field>
        <Field label="Status">
          <select value={status} onChange={(e) => setFilter({ status: e.currentTarget.value })}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Async resource={moments} what="moments">
        {(data) => {
          const items = "items" in data ? data.items : data.groups.flatMap((g) => g.items);
          if (items.length === 0) {
            return search || status ? (
              <Empty>
                <p>{noMatch(search, status)}</p>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setQ("");
                    setFilter({ q: "", status: "" });
                  }}
                >
                  Clear the filters
                </button>
              </Empty>
            ) : (
              <Empty>
                <p>No moments yet.</p>
                <a class="button primary" href={href("/moments/new")}>
                  Create your first moment
                </a>
              </Empty>
            );
          }
          return (
            <>
              {GOALS.map(([goal, label]) => {
                const group = items.filter((m) => m.goal === goal);
                if (group.length === 0) return null;
                return (
                  <section key={goal} aria-labelledby={`goal-${goal}`}>
                    <h2 class="group-title" id={`goal-${goal}`}>
                      {label} <span class="count">{group.length}</span>
                    </h2>
                    <TableWrap label={`${label} moments`}>
                      <table>
                        <thead>
                          <tr>
                            <th scope="col">Moment</th>
                            <th scope="col">Status</th>
                            <th scope="col">Actions</th>
                            <th scope="col" class="num">
                              Success
                            </th>
                            <th scope="col" class="num">
                              Failed
                            </th>
                            <th scope="col" class="num">
                              Active accounts
                            </th>
                            <th scope="col" class="num">
                              Total fires
                            </th>
                            <th scope="col">Last 7 days</th>
                          </tr>
                        </thead>
                        <tbody>
                          {group.map((m) => (
                            <tr key={m.id}>
                              <td>
                                <a href={href(`/moments/${m.id}`)}>
                                  <strong>{m.name}</strong>
                                </a>
                                {m.description && <div class="muted small">{m.description}</div>}
                                {m.timeFrame && <div class="small">{timeFrameText(m.timeFrame)}</div>}
                              </td>
                              <td>
                                <StatusBadge status={m.status} />
                              </td>
                              <td>{m.actionsEnabled === false ? "Off" : "On"}</td>
                              <td class="num">{percent(m.stats.successRate)}</td>
                              <td class="num">{percent(m.stats.failedRate)}</td>
                              <td class="num">
                                <a
                                  href={href(`/moments/${m.id}/accounts`)}
                                  aria-label={`${m.stats.active} active accounts in ${m.name}`}
                                >
                                  {m.stats.active}
                                </a>
                              </td>
                              <td class="num">{m.stats.entered}</td>
                              <td>
                                <Sparkline
                                  values={m.trend.map((d) => d.entered)}
                                  label={`Entries per day over the last ${m.trend.length} days: ${m.trend.map((d) => d.entered).join(", ")}`}
                                />
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </TableWrap>
                  </section>
                );
              })}
              <Pager
                pager={pager}
                nextCursor={"nextCursor" in data ? data.nextCursor : undefined}
                label="Moments"
              />
            </>
          );
        }}
      </Async>
    </>
  );
}

/** "From Nov 28 until Dec 1": when a seasonal moment may start runs. */
export function timeFrameText(frame: { from?: string; until?: string }): string {
  const parts = [
    frame.from ? `from ${formatTime(frame.from)}` : "",
    frame.until ? `until ${formatTime(frame.until)}` : "",
  ];
  const text = parts.filter(Boolean).join(" ");
  return text ? `Starts runs ${text}` : "";
}

/** A tiny line of entries per day (SVG attributes, no inline style: the CSP allows none). */
function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 96;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`,
  );
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <polyline points={points.join(" ")} fill="none" stroke="#3b3bd4" stroke-width="1.5" />
    </svg>
  );
}
