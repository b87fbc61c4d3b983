"use client";

import { useState } from "react";
import type { AuditFilter } from "../../../common/schemas/config-schemas";
import { errorMessage } from "../../_lib/error-message";
import { trpc } from "../../_lib/trpc";

/** Downloads the log as the filters show it, as CSV the server builds (audit.csv). */
export function DownloadAuditCsv({ filter }: { filter: AuditFilter }) {
  const utils = trpc.useUtils();
  const [state, setState] = useState<{ busy: boolean; note: string | null; error: boolean }>({
    busy: false,
    note: null,
    error: false,
  });

  async function download() {
    setState({ busy: true, note: null, error: false });
    try {
      const file = await utils.audit.csv.fetch(filter, { staleTime: 0 });
      const url = URL.createObjectURL(new Blob([file.csv], { type: "text/csv;charset=utf-8" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = file.filename;
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
      setState({
        busy: false,
        error: false,
        note: file.truncated
          ? `Downloaded the newest ${file.rows} events only: narrow the filters for the rest.`
          : `Downloaded ${file.rows} event${file.rows === 1 ? "" : "s"}.`,
      });
    } catch (error) {
      setState({ busy: false, error: true, note: errorMessage(error) });
    }
  }

  return (
    <div className="flex items-center gap-2 text-sm">
      {state.note && (
        <span
          role={state.error ? "alert" : "status"}
          className={state.error ? "text-red-700" : "text-slate-600"}
        >
          {state.note}
        </span>
      )}
      <button
        type="button"
        aria-disabled={state.busy}
        onClick={() => {
          if (!state.busy) void download();
        }}
        className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50 aria-disabled:opacity-60"
      >
        {state.busy ? "Preparing CSV…" : "Download CSV"}
      </button>
    </div>
  );
}
