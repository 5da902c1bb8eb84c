/** Editors of a moment's rules: filters (conditions), the start rule, end rules, durations. */
import { useRef } from "preact/hooks";
import type { Condition, Duration, EndRule, StartRule } from "../api/types.js";
import { Field, NumberInput } from "../ui.js";

const OPERATORS: [string, string][] = [
  ["eq", "equals"],
  ["neq", "does not equal"],
  ["gt", "is greater than"],
  ["gte", "is at least"],
  ["lt", "is less than"],
  ["lte", "is at most"],
  ["contains", "contains"],
  ["not_contains", "does not contain"],
  ["starts_with", "starts with"],
  ["in", "is one of"],
  ["not_in", "is none of"],
  ["exists", "is set"],
  ["not_exists", "is not set"],
];
const NO_VALUE = new Set(["exists", "not_exists"]);
const LIST_VALUE = new Set(["in", "not_in"]);

type FieldCondition = Extract<Condition, { field: string }>;
type Scalar = string | number | boolean | null;

/** What an admin types, as the API's value: numbers and true/false as such, lists comma-separated. */
function parseScalar(text: string): Scalar {
  const trimmed = text.trim();
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (trimmed !== "" && !Number.isNaN(Number(trimmed))) return Number(trimmed);
  return text;
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return Array.isArray(value) ? value.map(String).join(", ") : String(value);
}

function withValue(condition: FieldCondition, op: string, text: string): FieldCondition {
  const base = { field: condition.field, op } as FieldCondition;
  if (NO_VALUE.has(op)) return base;
  if (LIST_VALUE.has(op))
    return { ...base, value: text.split(",").map((v) => parseScalar(v.trim())) } as FieldCondition;
  return { ...base, value: parseScalar(text) } as FieldCondition;
}

/**
 * Filters that must all hold; an "any of" group holds when one of its filters does. Fields are
 * event.<property>, account.<trait> or user.<attribute>. Each control's name says whose filter it is
 * ("Start filter 1: field", "End rule 2 any-of group 1, filter 1: value"): unique on the page and
 * the same while the user types. `path` is where the API puts these filters (its errors name it).
 */
export function ConditionsEditor({
  label,
  scope,
  path,
  conditions,
  onChange,
  suggestions,
}: {
  label: string;
  /** Whose filters: "Start", "End rule 1", or a group's name followed by a comma. */
  scope: string;
  path: string;
  conditions: Condition[];
  onChange: (next: Condition[]) => void;
  suggestions?: string[];
}) {
  const group = useRef<HTMLFieldSetElement>(null);
  const listId = `fields-${label.replace(/\W+/g, "-").toLowerCase()}`;
  const set = (index: number, next: Condition) =>
    onChange(conditions.map((c, i) => (i === index ? next : c)));
  // Focus stays in the filters (the group, read by its legend) when a removed one's button goes.
  const remove = (index: number) => {
    group.current?.focus();
    onChange(conditions.filter((_, i) => i !== index));
  };
  return (
    <fieldset class="conditions" ref={group} tabindex={-1}>
      <legend>{label}</legend>
      {conditions.length === 0 && <p class="muted small">No filter: every such event counts.</p>}
      {suggestions && (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      {conditions.map((condition, index) => {
        if ("any" in condition) {
          const name = `${scope} any-of group ${index + 1}`;
          return (
            <div class="any-group" key={`any-${index}`}>
              <ConditionsEditor
                label={`${name}: any of these`}
                scope={`${name},`}
                path={`${path}.${index}.any`}
                conditions={condition.any as Condition[]}
                onChange={(any) => set(index, { any } as Condition)}
                {...(suggestions ? { suggestions } : {})}
              />
              <button type="button" class="danger" onClick={() => remove(index)}>
                Remove {name}
              </button>
            </div>
          );
        }
        const name = `${scope} filter ${index + 1}`;
        const at = `${path}.${index}`;
        return (
          <div class="condition" key={`c-${index}`}>
            <Field label={`${name}: field`} path={`${at}.field`}>
              <input
                value={condition.field}
                placeholder="event.plan"
                list={suggestions ? listId : undefined}
                onInput={(e) => set(index, { ...condition, field: e.currentTarget.value })}
              />
            </Field>
            <Field label={`${name}: operator`} path={`${at}.op`}>
              <select
                value={condition.op}
                onChange={(e) =>
                  set(index, withValue(condition, e.currentTarget.value, valueText(condition.value)))
                }
              >
                {OPERATORS.map(([op, text]) => (
                  <option key={op} value={op}>
                    {text}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={`${name}: value`} path={`${at}.value`}>
              <input
                value={valueText(condition.value)}
                disabled={NO_VALUE.has(condition.op)}
                placeholder={LIST_VALUE.has(condition.op) ? "a, b, c" : "pro"}
                onInput={(e) => set(index, withValue(condition, condition.op, e.currentTarget.value))}
              />
            </Field>
            <button type="button" class="danger" aria-label={`Remove ${name}`} onClick={() => remove(index)}>
              Remove
            </button>
          </div>
        );
      })}
      <div class="actions">
        <button
          type="button"
          class="secondary"
          onClick={() => onChange([...conditions, { field: "event.", op: "eq", value: "" } as Condition])}
        >
          Add filter
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            onChange([...conditions, { any: [{ field: "event.", op: "eq", value: "" }] } as Condition])
          }
        >
          Add “any of” group
        </button>
      </div>
    </fieldset>
  );
}

export function DurationInput({
  label,
  path,
  value,
  onChange,
}: {
  label: string;
  /** Where the API puts it (its errors name it). */
  path?: string;
  value: Duration;
  onChange: (next: Duration) => void;
}) {
  return (
    <div class="row">
      <Field label={`${label} (amount)`} {...(path ? { path: `${path}.amount` } : {})}>
        <NumberInput min={0} value={value.amount} onChange={(amount) => onChange({ ...value, amount })} />
      </Field>
      <Field label={`${label} (unit)`} {...(path ? { path: `${path}.unit` } : {})}>
        <select
          value={value.unit}
          onChange={(e) => onChange({ ...value, unit: e.currentTarget.value as Duration["unit"] })}
        >
          <option value="minutes">minutes</option>
          <option value="hours">hours</option>
          <option value="days">days</option>
        </select>
      </Field>
    </div>
  );
}

export function StartRuleEditor({
  start,
  onChange,
  events,
}: {
  start: StartRule;
  onChange: (next: StartRule) => void;
  events: string[];
}) {
  return (
    <>
      <datalist id="observed-events">
        {events.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <Field
        label="Start event"
        path="start.event"
        hint="Picked from the events your apps sent (observed events), or type a new one."
      >
        <input
          list="observed-events"
          value={start.event}
          onInput={(e) => onChange({ ...start, event: e.currentTarget.value })}
        />
      </Field>
      <ConditionsEditor
        label="Start filters"
        scope="Start"
        path="start.where"
        conditions={(start.where ?? []) as Condition[]}
        onChange={(where) => {
          const { where: _drop, ...rest } = start;
          onChange(where.length > 0 ? { ...rest, where } : rest);
        }}
      />
      <label class="check">
        <input
          type="checkbox"
          checked={start.unless !== undefined}
          onChange={(e) => {
            const { unless: _drop, ...rest } = start;
            onChange(
              e.currentTarget.checked
                ? { ...rest, unless: { event: "", within: { amount: 1, unit: "hours" } } }
                : rest,
            );
          }}
        />
        Abandonment: start only if another event does not follow
      </label>
      {start.unless && (
        <div class="card inset">
          <Field label="Unless this event follows" path="start.unless.event">
            <input
              list="observed-events"
              value={start.unless.event}
              onInput={(e) =>
                start.unless &&
                onChange({ ...start, unless: { ...start.unless, event: e.currentTarget.value } })
              }
            />
          </Field>
          <DurationInput
            label="Within"
            path="start.unless.within"
            value={start.unless.within}
            onChange={(within) => start.unless && onChange({ ...start, unless: { ...start.unless, within } })}
          />
        </div>
      )}
      <Field
        label="Run key (optional)"
        path="start.key"
        hint="An event property: one run per value (e.g. cart_id) instead of one per account."
      >
        <input
          value={start.key ?? ""}
          onInput={(e) => {
            const { key: _drop, ...rest } = start;
            const key = e.currentTarget.value.trim();
            onChange(key ? { ...rest, key } : rest);
          }}
        />
      </Field>
    </>
  );
}

export function EndRulesEditor({
  rules,
  onChange,
}: {
  rules: EndRule[];
  onChange: (next: EndRule[]) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const set = (index: number, next: EndRule) => onChange(rules.map((r, i) => (i === index ? next : r)));
  return (
    <>
      {rules.length === 0 && (
        <p class="muted">No end rule: a run completes once its entry steps are done, with no outcome.</p>
      )}
      {/* Takes focus when a rule is removed (its button gone): the list, read by its name. */}
      <ol class="steps" aria-label="End rules" ref={list} tabindex={-1}>
        {rules.map((rule, index) => {
          const name = `End rule ${index + 1}`;
          const at = `end.${index}`;
          return (
            <li key={`end-${index}`}>
              <div class="row">
                <Field label={`${name}: outcome`} path={`${at}.outcome`}>
                  <select
                    value={rule.outcome}
                    onChange={(e) =>
                      set(index, { ...rule, outcome: e.currentTarget.value as EndRule["outcome"] })
                    }
                  >
                    <option value="success">Success</option>
                    <option value="failed">Failed</option>
                  </select>
                </Field>
                <Field label={`${name}: ends on`}>
                  <select
                    value={rule.after ? "timeout" : "event"}
                    onChange={(e) =>
                      set(
                        index,
                        e.currentTarget.value === "timeout"
                          ? { outcome: rule.outcome, after: { amount: 7, unit: "days" } }
                          : { outcome: rule.outcome, event: "" },
                      )
                    }
                  >
                    <option value="event">An event</option>
                    <option value="timeout">A timeout</option>
                  </select>
                </Field>
              </div>
              {rule.after ? (
                <DurationInput
                  label={`${name}: after`}
                  path={`${at}.after`}
                  value={rule.after}
                  onChange={(after) => set(index, { ...rule, after })}
                />
              ) : (
                <>
                  <Field label={`${name}: event`} path={`${at}.event`}>
                    <input
                      list="observed-events"
                      value={rule.event ?? ""}
                      onInput={(e) => set(index, { ...rule, event: e.currentTarget.value })}
                    />
                  </Field>
                  <ConditionsEditor
                    label={`${name} filters`}
                    scope={name}
                    path={`${at}.where`}
                    conditions={(rule.where ?? []) as Condition[]}
                    onChange={(where) => {
                      const { where: _drop, ...rest } = rule;
                      set(index, where.length > 0 ? { ...rest, where } : rest);
                    }}
                  />
                </>
              )}
              <button
                type="button"
                class="danger"
                onClick={() => {
                  list.current?.focus();
                  onChange(rules.filter((_, i) => i !== index));
                }}
              >
                Remove end rule {index + 1}
              </button>
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        class="secondary"
        onClick={() => onChange([...rules, { outcome: "success", event: "" }])}
      >
        Add end rule
      </button>
    </>
  );
}
