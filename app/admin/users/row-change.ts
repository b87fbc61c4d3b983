"use client";

import { useState } from "react";
import type { Role } from "../../../common/roles";
import { trpc } from "../../_lib/trpc";

/** A value picked in a user's row: saved at once, shown at once, put back if refused. */
export type RowChange = {
  username: string;
  field: "role" | "extension" | "agentLoginCode";
  /** "" clears a binding. */
  value: string;
  /** What it was, shown again if the server refuses. */
  was: string;
};

const FIELD_WORDS: Record<RowChange["field"], string> = {
  role: "role",
  extension: "extension",
  agentLoginCode: "agent login",
};
const shownValue = (value: string) => value || "none";

/** What the status line says: what was saved, or what was refused and what it still is. */
export function describeRowChange(change: RowChange, outcome: "saved" | "refused" = "saved"): string {
  const what = `${change.username}'s ${FIELD_WORDS[change.field]}`;
  return outcome === "saved"
    ? `Saved: ${what} is now ${shownValue(change.value)} (was ${shownValue(change.was)}).`
    : `Not saved: ${what} is still ${shownValue(change.was)}, not ${shownValue(change.value)}.`;
}

export function useRowChange(handlers: {
  onSaved: (change: RowChange) => void;
  onRefused: (change: RowChange, error: unknown) => void;
}) {
  const [pending, setPending] = useState<RowChange | null>(null);
  const update = trpc.user.update.useMutation();

  function save(change: RowChange) {
    if (change.value === change.was) return;
    setPending(change);
    const input =
      change.field === "role"
        ? { username: change.username, role: change.value as Role }
        : { username: change.username, [change.field]: change.value || null };
    update.mutate(input, {
      onSuccess: () => handlers.onSaved(change),
      onError: (error) => handlers.onRefused(change, error),
      onSettled: () => setPending(null),
    });
  }

  /** The value a row's select shows: the one being saved, else the saved one. */
  function shown(username: string, field: RowChange["field"], saved: string): string {
    return pending?.username === username && pending.field === field ? pending.value : saved;
  }

  return { save, shown, pending };
}
