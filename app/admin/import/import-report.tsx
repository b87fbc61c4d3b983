"use client";

import type { BulkLine, BulkOutcome, BulkReport } from "../../../common/schemas/bulk-schemas";
import { ColumnHeads } from "../../_components/column-heads";

const OUTCOME_LABEL: Record<BulkOutcome, string> = {
  create: "create",
  change: "change",
  unchanged: "unchanged",
  refused: "refused",
};
const OUTCOME_STYLE: Record<BulkOutcome, string> = {
  create: "bg-green-50 text-green-800",
  change: "bg-brand-50 text-brand-700",
  unchanged: "bg-slate-100 text-slate-600",
  refused: "bg-red-50 text-red-800",
};

/** "2 to create, 1 to change, 3 unchanged, 1 refused" (or, once applied, "2 created, …"). */
export function reportSummary(report: BulkReport): string {
  const { create, change, unchanged, refused } = report.counts;
  return report.applied
    ? `${create} created, ${change} changed, ${unchanged} unchanged`
    : `${create} to create, ${change} to change, ${unchanged} unchanged, ${refused} refused`;
}

function details(line: BulkLine): string {
  if (line.outcome === "refused") return line.reason ?? "";
  if (line.outcome === "change") return line.fields.join(", ");
  return "";
}

/** What each line of the file does (or would do): refused lines first, each with its reason. */
export function ImportReportTable({ report }: { report: BulkReport }) {
  const lines = [...report.lines].sort(
    (a, b) => Number(b.outcome === "refused") - Number(a.outcome === "refused") || a.line - b.line,
  );
  return (
    <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="max-md:stacked-table w-full text-left text-sm" aria-label="Import lines">
        <ColumnHeads columns={["Line", "Key", "Outcome", "Fields or reason"]} />
        <tbody className="divide-y divide-slate-100 align-top">
          {lines.map((line) => (
            <tr key={line.line} data-testid={`import-line-${line.line}`}>
              <td className="px-4 py-2 text-slate-500 tabular-nums" data-label="Line">
                {line.line}
              </td>
              <td className="px-4 py-2 font-mono text-xs break-all" data-label="Key">
                {line.key}
              </td>
              <td className="px-4 py-2" data-label="Outcome">
                <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${OUTCOME_STYLE[line.outcome]}`}>
                  {OUTCOME_LABEL[line.outcome]}
                </span>
              </td>
              <td
                className={`px-4 py-2 ${line.outcome === "refused" ? "text-red-700" : "text-slate-600"}`}
                data-label="Fields or reason"
              >
                {details(line)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The generated initial passwords of the users an import created: shown once, never again. */
export function InitialPasswords({ passwords }: { passwords: BulkReport["initialPasswords"] }) {
  if (passwords.length === 0) return null;
  return (
    <section aria-labelledby="initial-passwords" className="space-y-2 rounded-md bg-amber-50 p-4">
      <h3 id="initial-passwords" className="font-medium text-amber-900">
        Initial passwords
      </h3>
      <p className="text-sm text-amber-900">
        Shown only this once: give each user theirs now (or reset it later on Users &amp; tokens).
      </p>
      <table className="text-left text-sm" aria-label="Initial passwords">
        <ColumnHeads columns={["Username", "Password"]} />
        <tbody>
          {passwords.map((p) => (
            <tr key={p.username}>
              <td className="px-4 py-1">{p.username}</td>
              <td className="px-4 py-1 font-mono break-all select-all">{p.password}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
