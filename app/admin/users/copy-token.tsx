"use client";

import { useState } from "react";

/**
 * Copies a token shown once. navigator.clipboard needs a secure context (HTTPS or localhost) and
 * the browser's permission; where it is missing or refused, the token's text is selected instead
 * so Ctrl+C (⌘C) copies it, and the button says so.
 */
export function CopyToken(props: { token: string; valueId: string }) {
  const [outcome, setOutcome] = useState<"copied" | "selected" | null>(null);

  function selectText() {
    const element = document.getElementById(props.valueId);
    const selection = window.getSelection();
    if (!element || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(element);
    selection.removeAllRanges();
    selection.addRange(range);
    setOutcome("selected");
  }

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(props.token);
      setOutcome("copied");
    } catch {
      selectText();
    }
  }

  return (
    <>
      <button
        type="button"
        onClick={() => void copy()}
        className="ml-2 rounded-md border border-green-300 bg-white px-2 py-0.5 text-xs text-green-900 hover:bg-green-100"
      >
        Copy token
      </button>
      <span aria-live="polite" className="ml-2 text-xs text-green-800">
        {outcome === "copied" && "Copied to the clipboard."}
        {outcome === "selected" && "Selected: press Ctrl+C (⌘C) to copy."}
      </span>
    </>
  );
}
