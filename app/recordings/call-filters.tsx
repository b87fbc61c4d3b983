"use client";

import type { RouterInputs } from "../_lib/trpc";

type CallsInput = RouterInputs["recording"]["calls"];
export type CallState = NonNullable<CallsInput["state"]>;

/** The search form's fields as typed (text), turned into the query by `callsQuery`. */
export type CallFilterValues = {
  agent: string;
  customer: string;
  dn: string;
  text: string;
  fromDay: string;
  toDay: string;
  minSeconds: string;
  maxSeconds: string;
  hasPause: "" | "yes" | "no";
  state: CallState | "";
};

export const NO_FILTER: CallFilterValues = {
  agent: "",
  customer: "",
  dn: "",
  text: "",
  fromDay: "",
  toDay: "",
  minSeconds: "",
  maxSeconds: "",
  hasPause: "",
  state: "",
};

const STATES: [CallState, string][] = [
  ["live", "live"],
  ["complete", "complete"],
  ["incomplete", "incomplete"],
  ["failed", "failed"],
];

const seconds = (value: string) => (/^\d+$/.test(value) ? Number(value) : undefined);

/** The recording.calls input of the typed filters; days run from local midnight to midnight. */
export function callsQuery(values: CallFilterValues): Omit<CallsInput, "cursor" | "limit"> {
  const t = (v: string) => v.trim() || undefined;
  return {
    agent: t(values.agent),
    customer: t(values.customer),
    dn: t(values.dn),
    text: t(values.text),
    from: values.fromDay ? new Date(`${values.fromDay}T00:00:00`) : undefined,
    to: values.toDay ? new Date(`${values.toDay}T23:59:59.999`) : undefined,
    minDurationSeconds: seconds(values.minSeconds),
    maxDurationSeconds: seconds(values.maxSeconds),
    hasPause: values.hasPause === "" ? undefined : values.hasPause === "yes",
    state: values.state || undefined,
  };
}

/** The call view's search fields: each change runs the search again from the first page. */
export function CallFilters(props: { values: CallFilterValues; onChange: (values: CallFilterValues) => void }) {
  const set =
    <K extends keyof CallFilterValues>(key: K) =>
    (value: CallFilterValues[K]) =>
      props.onChange({ ...props.values, [key]: value });
  return (
    <form role="search" aria-label="Call filters" className="grid grid-cols-2 gap-3 sm:flex sm:flex-wrap sm:items-end" onSubmit={(e) => e.preventDefault()}>
      <Text label="Agent" value={props.values.agent} onChange={set("agent")} placeholder="name or login" width="sm:w-36" />
      <Text label="Customer number" value={props.values.customer} onChange={set("customer")} width="sm:w-36" />
      <Text label="DN" value={props.values.dn} onChange={set("dn")} />
      <Text
        label="Search"
        value={props.values.text}
        onChange={set("text")}
        type="search"
        placeholder="id, ConnID or params"
        width="sm:w-44"
      />
      <Text label="From" value={props.values.fromDay} onChange={set("fromDay")} type="date" width="sm:w-36" />
      <Text label="To" value={props.values.toDay} onChange={set("toDay")} type="date" width="sm:w-36" />
      <Text label="Min duration (s)" value={props.values.minSeconds} onChange={set("minSeconds")} type="number" />
      <Text label="Max duration (s)" value={props.values.maxSeconds} onChange={set("maxSeconds")} type="number" />
      <Select
        label="Has pause"
        value={props.values.hasPause}
        onChange={set("hasPause")}
        options={[
          ["", "Any"],
          ["yes", "Yes"],
          ["no", "No"],
        ]}
      />
      <Select
        label="State"
        value={props.values.state}
        onChange={set("state")}
        options={[["", "Any state"], ...STATES]}
      />
    </form>
  );
}

function Text(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: "text" | "search" | "date" | "number";
  placeholder?: string;
  width?: string;
}) {
  return (
    <label className="text-sm">
      <span className="block text-slate-600">{props.label}</span>
      <input
        type={props.type ?? "text"}
        value={props.value}
        placeholder={props.placeholder}
        min={props.type === "number" ? 0 : undefined}
        onChange={(e) => props.onChange(e.target.value)}
        className={`w-full ${props.width ?? "sm:w-28"} rounded-md border border-slate-300 px-2 py-1 max-md:min-h-10`}
      />
    </label>
  );
}

/** A choice among `options` ([value, label]). */
function Select<V extends string>(props: {
  label: string;
  value: V;
  onChange: (v: V) => void;
  options: [V, string][];
}) {
  return (
    <label className="text-sm">
      <span className="block text-slate-600">{props.label}</span>
      <select
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as V)}
        className="w-full rounded-md border border-slate-300 px-2 py-1 max-md:min-h-10 sm:w-auto"
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
