"use client";

import { useState } from "react";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";

/** The T-Library events of this DN, live: what a CTI client of the agent's desktop would see. */
export function CtiEvents({ dn }: { dn: string }) {
  const [events, setEvents] = useState<
    { seq: number; event: string; connId: string | null; otherDn: string | null }[]
  >([]);
  // The call in progress on this DN and whether it is recorded, as CTI reports it.
  const [call, setCall] = useState<{ connId: string; record: "ON" | "PAUSED" | "OFF" } | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const privateService = trpc.cti.request.useMutation({
    onSuccess: (event) =>
      setRefusal(event.event === "EventError" ? (event.error?.message ?? "refused") : null),
    onError: (error) => setRefusal(errorMessage(error)),
  });
  trpc.cti.events.useSubscription(
    { dns: [dn] },
    {
      onData: (event) => {
        setEvents((list) => [
          { seq: event.seq, event: event.event, connId: event.connId, otherDn: event.otherDn },
          ...list.slice(0, 19),
        ]);
        if (event.event === "EventEstablished" && event.connId)
          setCall({ connId: event.connId, record: "OFF" });
        if (event.event === "EventReleased") setCall(null);
        const record = event.userData.GSIP_RECORD;
        if (
          event.event === "EventPrivateInfo" &&
          event.connId &&
          (record === "ON" || record === "PAUSED" || record === "OFF")
        ) {
          setCall({ connId: event.connId, record });
        }
      },
    },
  );
  const send = (privateMsgId: number) =>
    call &&
    privateService.mutate({
      request: "TRequestPrivateService",
      thisDn: dn,
      connId: call.connId,
      privateMsgId,
      extensions: { record: "source" },
    });
  return (
    <>
      {call && (
        <section
          aria-label="Recording"
          className="rounded-lg border border-slate-200 bg-white p-4 md:col-span-2"
        >
          <p data-testid="recording-indicator" className="text-sm font-medium">
            {call.record === "ON"
              ? "● This call is being recorded"
              : call.record === "PAUSED"
                ? "Recording paused"
                : "Not recorded"}
          </p>
          <div className="mt-2 flex gap-2">
            {call.record === "OFF" && (
              <button
                type="button"
                className="rounded-md border px-2 py-1 text-sm"
                onClick={() => send(3013)}
              >
                Record my side
              </button>
            )}
            {call.record === "ON" && (
              <button
                type="button"
                className="rounded-md border px-2 py-1 text-sm"
                onClick={() => send(3015)}
              >
                Pause recording
              </button>
            )}
            {call.record === "PAUSED" && (
              <button
                type="button"
                className="rounded-md border px-2 py-1 text-sm"
                onClick={() => send(3016)}
              >
                Resume recording
              </button>
            )}
            {call.record !== "OFF" && (
              <button
                type="button"
                className="rounded-md border px-2 py-1 text-sm"
                onClick={() => send(3014)}
              >
                Stop recording
              </button>
            )}
          </div>
          {refusal && (
            <p role="alert" className="mt-2 text-sm text-red-700">
              {refusal}
            </p>
          )}
        </section>
      )}
      <section
        aria-label="CTI events"
        className="rounded-lg border border-slate-200 bg-white p-4 md:col-span-2"
      >
        <h2 className="mb-2 text-base font-semibold">CTI events for {dn}</h2>
        <ul className="grid gap-1 font-mono text-xs">
          {events.map((e) => (
            <li key={e.seq} data-testid="cti-event">
              {e.event} conn={e.connId ?? "—"} other={e.otherDn ?? "—"}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
