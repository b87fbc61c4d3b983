"use client";

import { byId, useFocusAfterRender } from "../_lib/focus";

// A finger-sized target below `md` (phones), the compact row button above it.
const BUTTON = "rounded-md px-2 py-1 text-xs max-md:min-h-10 max-md:px-3 max-md:text-sm";

/**
 * Delete in two steps inside the row: "Delete x" turns into "Confirm delete x" and "Cancel", so a
 * slip of a key deletes nothing, and no browser dialog takes over the page (window.confirm is
 * modal, unstyled and blocks the tests). Focus follows the person: to Confirm when asked, back to
 * Delete on Cancel or Escape. Where focus goes once the row is gone is the list's business.
 */
export function RowDelete(props: {
  /** The row's name in the buttons' labels, e.g. "5099" or "backup". */
  subject: string;
  /** Unique per row and stable across re-renders; the buttons' ids are built from it. */
  idBase: string;
  confirming: boolean;
  pending: boolean;
  /** Visible text without the subject (the accessible names keep it). */
  short?: boolean;
  onAsk: () => void;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const focusAfterRender = useFocusAfterRender();
  const deleteId = `${props.idBase}-delete`;
  const confirmId = `${props.idBase}-confirm`;
  const cancel = () => {
    props.onCancel();
    focusAfterRender(byId(deleteId));
  };
  if (!props.confirming) {
    return (
      <button
        id={deleteId}
        type="button"
        aria-label={`Delete ${props.subject}`}
        onClick={() => {
          props.onAsk();
          focusAfterRender(byId(confirmId));
        }}
        className={`${BUTTON} border border-slate-300 text-red-700 hover:bg-red-50`}
      >
        {props.short ? "Delete" : `Delete ${props.subject}`}
      </button>
    );
  }
  return (
    <span
      className="inline-flex gap-2"
      onKeyDown={(event) => {
        if (event.key === "Escape" && !props.pending) {
          event.preventDefault();
          cancel();
        }
      }}
    >
      <button
        id={confirmId}
        type="button"
        // aria-disabled rather than disabled while the request runs: a disabled button would drop
        // keyboard focus to <body>, and an error leaves the person here to try again.
        aria-disabled={props.pending}
        aria-label={props.pending ? `Deleting ${props.subject}` : `Confirm delete ${props.subject}`}
        onClick={() => {
          if (!props.pending) props.onConfirm();
        }}
        className={`${BUTTON} bg-red-600 font-medium text-white hover:bg-red-700 aria-disabled:opacity-60`}
      >
        {props.pending ? "Deleting…" : props.short ? "Confirm delete" : `Confirm delete ${props.subject}`}
      </button>
      <button
        type="button"
        aria-disabled={props.pending}
        aria-label={`Cancel deleting ${props.subject}`}
        onClick={() => {
          if (!props.pending) cancel();
        }}
        className={`${BUTTON} border border-slate-300 hover:bg-slate-50 aria-disabled:opacity-60`}
      >
        Cancel
      </button>
    </span>
  );
}
