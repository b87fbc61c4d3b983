/**
 * What an audit event changed, field by field: only the fields whose value differs between the
 * snapshots (all of them for a creation or a deletion), secrets never shown — a password or a
 * hash reads "changed". Works on every row, those written before the names existed included.
 */
export type AuditChange = { field: string; before: string | null; after: string | null };

/** Fields whose values are never shown, only that they changed. */
const SECRET_FIELD = /password|hash|secret|token|ha1/i;
/** Flags such as `passwordChanged: true`: the field named before "Changed" changed. */
const CHANGED_FLAG = /^(.+)Changed$/;
export const CHANGED = "changed";

type Snapshot = Record<string, unknown>;

export function auditChanges(before: unknown, after: unknown): AuditChange[] {
  const was = asSnapshot(before);
  const is = asSnapshot(after);
  const fields = [...new Set([...Object.keys(is ?? {}), ...Object.keys(was ?? {})])];
  const changes: AuditChange[] = [];
  for (const field of fields) {
    const flag = CHANGED_FLAG.exec(field);
    if (flag) {
      if (is?.[field] === true) changes.push({ field: flag[1]!, before: null, after: CHANGED });
      continue;
    }
    const old = was?.[field];
    const now = is?.[field];
    if (was && is && JSON.stringify(old) === JSON.stringify(now)) continue;
    // A creation or deletion lists what the object had, not the fields it left empty.
    if (!(was && is) && (old ?? now) === null) continue;
    // A field only one snapshot has, on an update, is a flag of the event (apiTokensRevoked): shown.
    if (SECRET_FIELD.test(field) && typeof (now ?? old) !== "boolean") {
      changes.push({ field, before: null, after: CHANGED });
      continue;
    }
    changes.push({ field, before: was ? shown(old) : null, after: is ? shown(now) : null });
  }
  return changes;
}

function asSnapshot(value: unknown): Snapshot | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "object" && !Array.isArray(value)) return value as Snapshot;
  return { value };
}

function shown(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number"))
    return value.join(", ");
  return JSON.stringify(value);
}

/** One line for the CSV export: "record: false → true; password: changed". */
export function changesText(changes: AuditChange[]): string {
  return changes
    .map((c) =>
      c.after === CHANGED ? `${c.field}: ${CHANGED}` : `${c.field}: ${c.before ?? "—"} → ${c.after ?? "—"}`,
    )
    .join("; ");
}
