"use client";

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"] as const;

/**
 * Twelve keys: before a call they type the number, during a call they send DTMF (the parent
 * decides). Real buttons, so Tab and Enter/Space work as on any form.
 */
export function DialPad({ onKey, label }: { onKey: (key: string) => void; label: string }) {
  return (
    <div role="group" aria-label={label} className="grid grid-cols-3 gap-1.5">
      {KEYS.map((key) => (
        <button
          key={key}
          type="button"
          onClick={() => onKey(key)}
          className="rounded-md border border-slate-200 bg-slate-50 py-2 font-mono text-base hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          {key}
        </button>
      ))}
    </div>
  );
}
