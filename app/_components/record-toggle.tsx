"use client";

/**
 * A switch for a `record` option. Saving is the parent's job; this only shows state. It is a
 * native button with role="switch", so Space and Enter flip it and aria-checked announces on/off.
 */
export function RecordToggle(props: {
  checked: boolean;
  label: string;
  disabled?: boolean;
  onChange: (next: boolean) => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={props.checked}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={() => props.onChange(!props.checked)}
      // The button is a 44×40 px target (a finger on a phone); the track drawn inside is 44×24.
      className="group inline-flex min-h-10 shrink-0 items-center rounded-full focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-50"
    >
      <span
        aria-hidden
        className="relative inline-flex h-6 w-11 items-center rounded-full bg-slate-300 transition-colors group-aria-checked:bg-red-600"
      >
        <span
          className={`inline-block h-5 w-5 transform rounded-full bg-white shadow transition-transform ${
            props.checked ? "translate-x-5" : "translate-x-0.5"
          }`}
        />
      </span>
    </button>
  );
}
