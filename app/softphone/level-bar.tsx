"use client";

/** A horizontal level meter: -60 dBFS is empty, 0 dBFS full. */
export function LevelBar({ label, db, testId }: { label: string; db: number | null; testId: string }) {
  const fill = db === null ? 0 : Math.min(100, Math.max(0, ((db + 60) / 60) * 100));
  return (
    <div className="grid grid-cols-[5.5rem_1fr] items-center gap-2 text-xs text-slate-600">
      <span>{label}</span>
      <div
        role="meter"
        aria-label={`${label} level`}
        aria-valuemin={-60}
        aria-valuemax={0}
        aria-valuenow={db === null ? -60 : Math.round(Math.max(-60, db))}
        data-testid={testId}
        className="h-2 overflow-hidden rounded bg-slate-100"
      >
        <div
          className="h-full bg-emerald-500 transition-[width] duration-200"
          style={{ width: `${fill}%` }}
        />
      </div>
    </div>
  );
}
