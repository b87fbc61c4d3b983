"use client";

import {
  type CallListView,
  DEFAULT_VIEW,
  RECORDING_FILTERS,
  RECORDING_FILTER_LABELS,
  type RecordingFilter,
  SORTS,
  SORT_LABELS,
  type Sort,
} from "./call-list-view";

const field = "mt-0.5 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm";

/** Filter, sort and group controls of Live calls; the page keeps the view in the address. */
export function CallListControls(props: {
  view: CallListView;
  /** The agents on the live calls now (and the one filtered on, even when gone). */
  agents: { id: string; name: string }[];
  onChange: (view: CallListView) => void;
}) {
  const { view, onChange } = props;
  const set = (change: Partial<CallListView>) => onChange({ ...view, ...change });
  const agents = [...props.agents];
  if (view.agent !== "" && view.agent !== "none" && !agents.some((a) => a.id === view.agent))
    agents.push({ id: view.agent, name: "" });
  const changed = JSON.stringify(view) !== JSON.stringify(DEFAULT_VIEW);
  return (
    <form
      aria-label="Filter live calls"
      role="search"
      onSubmit={(e) => e.preventDefault()}
      className="grid grid-cols-2 gap-2 rounded-lg border border-slate-200 bg-white p-3 lg:grid-cols-6"
    >
      <label className="col-span-2 text-xs text-slate-600">
        Search
        <input
          type="search"
          value={view.text}
          maxLength={128}
          placeholder="number, name, agent, ConnID, recording id"
          onChange={(e) => set({ text: e.target.value })}
          className={field}
        />
      </label>
      <label className="text-xs text-slate-600">
        Agent
        <select value={view.agent} onChange={(e) => set({ agent: e.target.value })} className={field}>
          <option value="">any</option>
          {agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.id}
              {a.name ? ` · ${a.name}` : ""}
            </option>
          ))}
          <option value="none">no agent</option>
        </select>
      </label>
      <label className="text-xs text-slate-600">
        DN
        <input
          value={view.dn}
          maxLength={64}
          placeholder="1003, pstn"
          onChange={(e) => set({ dn: e.target.value })}
          className={field}
        />
      </label>
      <label className="text-xs text-slate-600">
        Recording
        <select
          value={view.recording}
          onChange={(e) => set({ recording: (e.target.value || "") as RecordingFilter | "" })}
          className={field}
        >
          <option value="">any</option>
          {RECORDING_FILTERS.map((r) => (
            <option key={r} value={r}>
              {RECORDING_FILTER_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      <label className="text-xs text-slate-600">
        Sort by
        <select value={view.sort} onChange={(e) => set({ sort: e.target.value as Sort })} className={field}>
          {SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <div className="col-span-2 flex flex-wrap items-center gap-3 text-sm lg:col-span-6">
        <label className="flex min-h-10 items-center gap-1.5 md:min-h-0">
          <input
            type="checkbox"
            checked={view.groupByAgent}
            onChange={(e) => set({ groupByAgent: e.target.checked })}
          />
          Group by agent
        </label>
        {changed && (
          <button
            type="button"
            onClick={() => onChange(DEFAULT_VIEW)}
            className="rounded-md px-2 py-1 text-brand-700 hover:bg-brand-50 max-md:min-h-10"
          >
            Clear filters
          </button>
        )}
      </div>
    </form>
  );
}
