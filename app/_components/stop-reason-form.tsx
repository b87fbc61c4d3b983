"use client";

import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";

/**
 * Asks for confirmation and the reason before a recording is stopped (compliance: a stop is
 * rare, final for the rest of the call unless someone records again, and the history must say
 * why). Escape or Cancel closes it and hands focus back to the caller.
 */
export function StopReasonForm(props: {
  /** What is being stopped, for the heading: "the source side", "this call's recording". */
  what: string;
  busy: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!props.busy) props.onConfirm(reason.trim());
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") props.onCancel();
  };
  return (
    <form
      onSubmit={submit}
      onKeyDown={onKeyDown}
      aria-label={`Stop recording ${props.what}`}
      className="mt-2 flex flex-wrap items-end gap-2 rounded-md border border-red-200 bg-red-50 p-2 text-sm"
    >
      <label className="grow">
        <span className="block font-medium text-slate-700">Reason for stopping</span>
        <input
          ref={input}
          value={reason}
          maxLength={200}
          onChange={(e) => setReason(e.target.value)}
          placeholder="e.g. customer withdrew consent"
          className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1 max-md:py-2"
        />
      </label>
      <button
        type="submit"
        aria-disabled={props.busy}
        className="rounded-md border border-red-300 px-2 py-1 text-red-700 hover:bg-red-100 aria-disabled:opacity-60 max-md:min-h-10 max-md:px-3"
      >
        {props.busy ? "Stopping…" : "Confirm stop"}
      </button>
      <button
        type="button"
        onClick={props.onCancel}
        className="rounded-md px-2 py-1 hover:bg-white max-md:min-h-10 max-md:px-3"
      >
        Cancel
      </button>
    </form>
  );
}
