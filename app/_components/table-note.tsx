import type { ReactNode } from "react";

/** A row spanning the whole table for its loading, error and empty states. */
export function TableNote(props: { columns: number; alert?: boolean; children: ReactNode }) {
  return (
    <tr>
      <td
        colSpan={props.columns}
        role={props.alert ? "alert" : undefined}
        className={`px-4 py-4 ${props.alert ? "text-red-700" : "text-slate-500"}`}
      >
        {props.children}
      </td>
    </tr>
  );
}
