"use client";

import { useState } from "react";
import {
  BULK_LABELS,
  BULK_MAX_BYTES,
  BULK_MAX_ROWS,
  type BulkKind,
  type BulkReport,
} from "../../../common/schemas/bulk-schemas";
import { AppShell } from "../../_components/app-shell";
import { errorMessage } from "../../_lib/error-message";
import { trpc } from "../../_lib/trpc";
import { ImportReportTable, InitialPasswords, reportSummary } from "./import-report";

export default function ImportExportPage() {
  return (
    <AppShell requiredRole="admin">
      <ImportExport />
    </AppShell>
  );
}

const KINDS: { kind: BulkKind; label: string }[] = [
  { kind: "dn", label: "DNs" },
  { kind: "agentLogin", label: "Agent logins" },
  { kind: "user", label: "Users" },
];

const button =
  "rounded-md px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-50 max-md:min-h-10";

/** The file a dry run checked: Apply sends exactly this text again. */
type Checked = { fileName: string; csv: string; report: BulkReport };

function ImportExport() {
  const utils = trpc.useUtils();
  const [kind, setKind] = useState<BulkKind>("dn");
  const [checked, setChecked] = useState<Checked | null>(null);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [downloading, setDownloading] = useState(false);
  const importCsv = trpc.bulk.import.useMutation();
  const { plural, key } = BULK_LABELS[kind];

  const choose = (next: BulkKind) => {
    setKind(next);
    setChecked(null);
    setMessage(null);
  };

  const download = async () => {
    setDownloading(true);
    setMessage(null);
    try {
      const { csv, fileName } = await utils.bulk.export.fetch({ kind });
      const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = fileName;
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      setMessage({ kind: "error", text: `Could not export: ${errorMessage(error)}` });
    } finally {
      setDownloading(false);
    }
  };

  const dryRun = async (file: File) => {
    setChecked(null);
    setMessage(null);
    if (file.size > BULK_MAX_BYTES) {
      setMessage({
        kind: "error",
        text: `${file.name} is ${Math.ceil(file.size / 1024)} KiB; an import takes at most ${BULK_MAX_BYTES / 1024} KiB: split it.`,
      });
      return;
    }
    const csv = await file.text();
    importCsv.mutate(
      { kind, csv, apply: false },
      {
        onSuccess: (report) => setChecked({ fileName: file.name, csv, report }),
        onError: (error) => setMessage({ kind: "error", text: `${file.name}: ${errorMessage(error)}` }),
      },
    );
  };

  const apply = () => {
    if (!checked) return;
    setMessage(null);
    importCsv.mutate(
      { kind, csv: checked.csv, apply: true },
      {
        onSuccess: async (report) => {
          setChecked({ ...checked, report });
          setMessage(
            report.applied
              ? { kind: "ok", text: `Imported ${checked.fileName}: ${reportSummary(report)}.` }
              : {
                  kind: "error",
                  text: `Nothing was written: the data changed since the dry run and ${report.counts.refused} line(s) are now refused.`,
                },
          );
          if (report.applied) await utils.invalidate();
        },
        onError: (error) => setMessage({ kind: "error", text: `Could not import: ${errorMessage(error)}` }),
      },
    );
  };

  const report = checked?.report;
  const applicable =
    report !== undefined &&
    !report.applied &&
    report.counts.refused === 0 &&
    report.counts.create + report.counts.change > 0;

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-end gap-4">
        <h1 className="mr-auto text-xl font-semibold">Import and export</h1>
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Configuration</span>
          <select
            value={kind}
            onChange={(e) => choose(e.target.value as BulkKind)}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5"
          >
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <section aria-labelledby="export-title" className="space-y-2">
        <h2 id="export-title" className="text-lg font-semibold">
          Export
        </h2>
        <p className="text-sm text-slate-600">
          Every one of the {plural} as CSV (UTF-8, a header row). No secrets: SIP passwords are exported empty
          and users have no password column.
        </p>
        <button
          type="button"
          onClick={() => void download()}
          disabled={downloading}
          className={`${button} border border-slate-300 bg-white hover:bg-slate-50`}
        >
          {downloading ? "Exporting…" : `Download ${plural} (CSV)`}
        </button>
      </section>

      <section aria-labelledby="import-title" className="space-y-3">
        <h2 id="import-title" className="text-lg font-semibold">
          Import
        </h2>
        <p className="text-sm text-slate-600">
          Choose a CSV file with the export&apos;s columns (any subset; the <code>{key}</code> column is
          required; an empty cell clears a name or binding). Forkline first shows what each line would do and
          writes nothing. Apply then writes every line in one go, or none: it is offered only when no line is
          refused, so fix or remove those lines and choose the file again. At most{" "}
          {BULK_MAX_ROWS.toLocaleString("en-US")} lines and {BULK_MAX_BYTES / 1024} KiB.
          {kind === "user" && " New users get a generated password, shown once after Apply."}
        </p>
        <label className="block text-sm">
          <span className="block font-medium text-slate-700">CSV file of {plural} to import</span>
          <input
            type="file"
            accept=".csv,text/csv"
            disabled={importCsv.isPending}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void dryRun(file);
            }}
            className="mt-1 block text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5"
          />
        </label>
        {importCsv.isPending && (
          <p role="status" className="text-sm text-slate-500">
            Checking…
          </p>
        )}
        {message && (
          <p
            role={message.kind === "error" ? "alert" : "status"}
            className={`rounded-md px-4 py-2 text-sm ${message.kind === "error" ? "bg-red-50 text-red-800" : "bg-green-50 text-green-800"}`}
          >
            {message.text}
          </p>
        )}
        {checked && report && (
          <div className="space-y-3">
            <div className="flex flex-wrap items-center gap-3">
              <p className="mr-auto text-sm" data-testid="import-summary">
                <span className="font-medium">{checked.fileName}</span>
                {report.applied ? " (applied)" : " (dry run)"}: {reportSummary(report)}
              </p>
              {!report.applied && (
                <button
                  type="button"
                  onClick={apply}
                  disabled={!applicable || importCsv.isPending}
                  className={`${button} bg-brand-600 text-white hover:bg-brand-700`}
                >
                  {importCsv.isPending ? "Applying…" : "Apply"}
                </button>
              )}
            </div>
            {!report.applied && report.counts.refused > 0 && (
              <p className="text-sm text-red-700">
                {report.counts.refused} line(s) refused: nothing can be applied until the file is fixed.
              </p>
            )}
            <InitialPasswords passwords={report.initialPasswords} />
            <ImportReportTable report={report} />
          </div>
        )}
      </section>
    </div>
  );
}
