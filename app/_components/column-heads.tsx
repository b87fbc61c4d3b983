/** A column: its visible title, or `{ hidden }` for a column whose header only screen readers need (actions, select). */
export type Column = string | { hidden: string };

/** The <thead> of an admin table: one row of column headers, each scoped to its column. */
export function ColumnHeads({ columns }: { columns: Column[] }) {
  return (
    <thead className="bg-slate-50 text-slate-500">
      <tr>
        {columns.map((column) =>
          typeof column === "string" ? (
            <th key={column} scope="col" className="px-4 py-2 font-medium">
              {column}
            </th>
          ) : (
            <th key={column.hidden} scope="col" className="px-4 py-2">
              <span className="sr-only">{column.hidden}</span>
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
