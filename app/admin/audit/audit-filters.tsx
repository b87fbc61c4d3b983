"use client";

import type { AuditFilter } from "../../../common/schemas/config-schemas";
import { MAX_LENGTH } from "../../../common/schemas/config-schemas";
import { trpc } from "../../_lib/trpc";

/** The filters as the form holds them (dates as the date inputs give them, yyyy-mm-dd). */
export type AuditFilterForm = {
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  from: string;
  to: string;
};
export const NO_FILTERS: AuditFilterForm = {
  actor: "",
  action: "",
  entity: "",
  entityId: "",
  from: "",
  to: "",
};

export const ENTITY_LABELS: Record<string, string> = {
  Dn: "DN",
  AgentLogin: "Agent login",
  Recorder: "Recorder",
  User: "User",
  ApiToken: "API token",
  Setting: "Setting",
  RecordingSession: "Recording",
  Alarm: "Alarm",
};
const ENTITY_OPTIONS: [string, string][] = [
  ["Dn", "DNs"],
  ["AgentLogin", "Agent logins"],
  ["Recorder", "Recorders"],
  ["User", "Users"],
  ["ApiToken", "API tokens"],
  ["Setting", "Settings (recorder mode, compliance)"],
  ["RecordingSession", "Recordings (listened, downloaded)"],
  ["Alarm", "Alarms"],
];

/** Query-string names of the filters (?who=&action=&type=&object=&from=&to=): short, readable links. */
const QUERY_KEYS: Record<keyof AuditFilterForm, string> = {
  actor: "who",
  action: "action",
  entity: "type",
  entityId: "object",
  from: "from",
  to: "to",
};
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters a link gives; what is not one (an unknown object type, a bad day) is left out. */
export function auditFiltersFromQuery(query: string): AuditFilterForm {
  const params = new URLSearchParams(query);
  const text = (key: keyof AuditFilterForm, max: number) => params.get(QUERY_KEYS[key])?.slice(0, max) ?? "";
  const day = (key: "from" | "to") => {
    const value = params.get(QUERY_KEYS[key]) ?? "";
    return DAY.test(value) && !Number.isNaN(Date.parse(value)) ? value : "";
  };
  const entity = params.get(QUERY_KEYS.entity) ?? "";
  return {
    actor: text("actor", MAX_LENGTH.username),
    action: text("action", 64),
    entity: entity in ENTITY_LABELS ? entity : "",
    entityId: text("entityId", MAX_LENGTH.search),
    from: day("from"),
    to: day("to"),
  };
}

/** The query string of the filters, without the empty ones ("" when none is set). */
export function auditFiltersToQuery(form: AuditFilterForm): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(QUERY_KEYS) as (keyof AuditFilterForm)[])
    if (form[key] !== "") params.set(QUERY_KEYS[key], form[key]);
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

/** The server's filter: a day range covers both days whole, in the browser's time zone. */
export function toAuditFilter(form: AuditFilterForm): AuditFilter {
  return {
    actor: form.actor || undefined,
    action: form.action || undefined,
    entity: form.entity || undefined,
    entityId: form.entityId.trim() || undefined,
    from: form.from ? new Date(`${form.from}T00:00:00`) : undefined,
    to: form.to ? new Date(`${form.to}T23:59:59.999`) : undefined,
  };
}

const inputClass = "mt-1 block rounded-md border border-slate-300 px-2 py-1.5";

export function AuditFilters(props: { value: AuditFilterForm; onChange: (next: AuditFilterForm) => void }) {
  const facets = trpc.audit.facets.useQuery();
  const { value } = props;
  const set = (patch: Partial<AuditFilterForm>) => props.onChange({ ...value, ...patch });
  const filtered = Object.values(value).some((v) => v !== "");
  return (
    <form
      aria-label="Filter the audit log"
      onSubmit={(e) => e.preventDefault()}
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm"
    >
      <div>
        <label htmlFor="audit-filter-person" className="block font-medium text-slate-700">
          Person
        </label>
        <select
          id="audit-filter-person"
          value={value.actor}
          onChange={(e) => set({ actor: e.target.value })}
          className={inputClass}
        >
          <option value="">Anyone</option>
          {facets.data?.people.map((p) => (
            <option key={p.username} value={p.username}>
              {p.name ? `${p.name} (${p.username})` : p.username}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-filter-action" className="block font-medium text-slate-700">
          Action
        </label>
        <select
          id="audit-filter-action"
          value={value.action}
          onChange={(e) => set({ action: e.target.value })}
          className={inputClass}
        >
          <option value="">Any action</option>
          {facets.data?.actions.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-filter-object-type" className="block font-medium text-slate-700">
          Object type
        </label>
        <select
          id="audit-filter-object-type"
          value={value.entity}
          onChange={(e) => set({ entity: e.target.value })}
          className={inputClass}
        >
          <option value="">Everything</option>
          {ENTITY_OPTIONS.map(([entity, label]) => (
            <option key={entity} value={entity}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="audit-filter-object-number-or-name" className="block font-medium text-slate-700">
          Object (number or name)
        </label>
        <input
          id="audit-filter-object-number-or-name"
          value={value.entityId}
          maxLength={MAX_LENGTH.search}
          onChange={(e) => set({ entityId: e.target.value })}
          className={inputClass}
          placeholder="e.g. 1001"
        />
      </div>
      <div>
        <label htmlFor="audit-filter-from" className="block font-medium text-slate-700">
          From
        </label>
        <input
          id="audit-filter-from"
          type="date"
          value={value.from}
          max={value.to || undefined}
          onChange={(e) => set({ from: e.target.value })}
          className={inputClass}
        />
      </div>
      <div>
        <label htmlFor="audit-filter-to" className="block font-medium text-slate-700">
          To
        </label>
        <input
          id="audit-filter-to"
          type="date"
          value={value.to}
          min={value.from || undefined}
          onChange={(e) => set({ to: e.target.value })}
          className={inputClass}
        />
      </div>
      {filtered && (
        <button
          type="button"
          onClick={() => props.onChange(NO_FILTERS)}
          className="rounded-md border border-slate-300 px-3 py-1.5 hover:bg-slate-50"
        >
          Clear filters
        </button>
      )}
    </form>
  );
}
