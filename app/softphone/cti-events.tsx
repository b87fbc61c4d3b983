"use client";

import { useMemo, useRef, useState } from "react";
import { type ActivityEvent, activityOf, keptThenLive } from "../../common/cti-activity";
import { StopReasonForm } from "../_components/stop-reason-form";
import { errorMessage } from "../_lib/error-message";
import { trpc } from "../_lib/trpc";
import { ActivityList, type RawEvent } from "./activity-list";

type CallSide = "source" | "destination";
type RecordStatus = "ON" | "PAUSED" | "OFF";
type CallRecordState = {
  connId: string;
  iAmCaller: boolean;
  established: boolean;
  sides: Record<CallSide, RecordStatus>;
};
const NOT_RECORDED: Record<CallSide, RecordStatus> = { source: "OFF", destination: "OFF" };
/** Live events kept for the activity list: as many as the server keeps per DN. */
const LIVE_KEPT = 200;
const BUTTON = "rounded-md border px-2 py-1 text-sm hover:bg-slate-50 max-md:min-h-10 max-md:px-3";

/**
 * The T-Library events of this DN, live: the recording controls of the call in progress and the
 * activity list in words; the raw events behind "Details" for supervisors and admins.
 */
export function CtiEvents({ dn, canSeeDetails, me }: { dn: string; canSeeDetails: boolean; me: string }) {
  const [events, setEvents] = useState<RawEvent[]>([]);
  // The activity list: what the server kept of this DN (so a reload shows the day so far), then
  // the events that came live since, each once.
  const kept = trpc.cti.activity.useQuery({ dn }, { staleTime: Infinity, refetchOnWindowFocus: false });
  const [live, setLive] = useState<ActivityEvent[]>([]);
  const activity = useMemo(
    () => activityOf(keptThenLive(kept.data ?? [], live), { me }),
    [kept.data, live, me],
  );
  // The call in progress on this DN and, per side of the call (source = the caller), whether it
  // is recorded, as CTI reports it. A failed recording of one side must not hide that the other
  // side is still recorded.
  const [call, setCall] = useState<CallRecordState | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [askingReason, setAskingReason] = useState(false);
  const stopButton = useRef<HTMLButtonElement>(null);
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
          ...list.slice(0, 49),
        ]);
        setLive((list) => [...list.slice(-(LIVE_KEPT - 1)), event]);
        const connId = event.connId;
        if (!connId) return;
        if (event.event === "EventDialing" || event.event === "EventRinging") {
          // A refusal of the last call's recording control is not this call's.
          setRefusal(null);
          setAskingReason(false);
          setCall({
            connId,
            iAmCaller: event.event === "EventDialing",
            established: false,
            sides: { ...NOT_RECORDED },
          });
        }
        if (event.event === "EventEstablished")
          setCall((c) =>
            c?.connId === connId
              ? { ...c, established: true }
              : { connId, iAmCaller: false, established: true, sides: { ...NOT_RECORDED } },
          );
        if (event.event === "EventReleased") setCall((c) => (c?.connId === connId ? null : c));
        const record = event.userData.GSIP_RECORD;
        const side = event.userData.GSIP_REC_SIDE;
        if (
          event.event === "EventPrivateInfo" &&
          (record === "ON" || record === "PAUSED" || record === "OFF") &&
          (side === "source" || side === "destination")
        ) {
          setCall((c) =>
            c?.connId === connId
              ? { ...c, sides: { ...c.sides, [side]: record } }
              : { connId, iAmCaller: false, established: true, sides: { ...NOT_RECORDED, [side]: record } },
          );
        }
      },
    },
  );
  // The request's `record` is relative to ThisDN (source = my side); the event's side is the call's.
  const send = (privateMsgId: number, callSide: CallSide, reason?: string) =>
    call &&
    privateService.mutate({
      request: "TRequestPrivateService",
      thisDn: dn,
      connId: call.connId,
      privateMsgId,
      extensions: {
        record: (callSide === "source") === call.iAmCaller ? "source" : "destination",
        ...(reason ? { reason } : {}),
      },
    });
  const mySide: CallSide = call?.iAmCaller ? "source" : "destination";
  const otherSide: CallSide = mySide === "source" ? "destination" : "source";
  const sidesIn = (status: RecordStatus) =>
    call ? (["source", "destination"] as const).filter((side) => call.sides[side] === status) : [];
  const recording = sidesIn("ON");
  const paused = sidesIn("PAUSED");
  const summary = recording.length > 0 ? "ON" : paused.length > 0 ? "PAUSED" : "OFF";
  const whose = (sides: readonly CallSide[]) =>
    sides.map((side) => (side === mySide ? "my side" : "the other side")).join(" and ");
  return (
    <>
      {call?.established && (
        <section
          aria-label="Recording"
          className="rounded-lg border border-slate-200 bg-white p-4 md:col-span-2"
        >
          <p className="flex flex-wrap items-baseline gap-2 text-sm">
            <span
              data-testid="recording-indicator"
              className={`font-medium ${summary === "ON" ? "text-red-700" : summary === "PAUSED" ? "text-amber-700" : "text-slate-600"}`}
            >
              {summary === "ON"
                ? "● This call is being recorded"
                : summary === "PAUSED"
                  ? "Recording paused"
                  : "Not recorded"}
            </span>
            <span className="text-slate-500" data-testid="recording-sides">
              {[
                recording.length > 0 ? `recording ${whose(recording)}` : "",
                paused.length > 0 ? `paused ${whose(paused)}` : "",
              ]
                .filter(Boolean)
                .join(", ")}
            </span>
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            {call.sides[mySide] === "OFF" && (
              <button type="button" className={BUTTON} onClick={() => send(3013, mySide)}>
                Record my side
              </button>
            )}
            {call.sides[otherSide] === "OFF" && (
              <button type="button" className={BUTTON} onClick={() => send(3013, otherSide)}>
                Record the other side
              </button>
            )}
            {recording.length > 0 && (
              <button
                type="button"
                className={BUTTON}
                onClick={() => recording.forEach((side) => send(3015, side))}
              >
                Pause recording
              </button>
            )}
            {recording.length === 0 && paused.length > 0 && (
              <button
                type="button"
                className={BUTTON}
                onClick={() => paused.forEach((side) => send(3016, side))}
              >
                Resume recording
              </button>
            )}
            {summary !== "OFF" && (
              <button
                ref={stopButton}
                type="button"
                aria-expanded={askingReason}
                className={BUTTON}
                onClick={() => setAskingReason(true)}
              >
                Stop recording
              </button>
            )}
          </div>
          {askingReason && summary !== "OFF" && (
            <StopReasonForm
              what="of this call"
              busy={privateService.isPending}
              onConfirm={(reason) => {
                [...recording, ...paused].forEach((side) => send(3014, side, reason));
                setAskingReason(false);
              }}
              onCancel={() => {
                setAskingReason(false);
                stopButton.current?.focus();
              }}
            />
          )}
          {refusal && (
            <p role="alert" className="mt-2 text-sm text-red-700">
              {refusal}
            </p>
          )}
        </section>
      )}
      <ActivityList dn={dn} entries={activity.entries} raw={events} canSeeDetails={canSeeDetails} />
    </>
  );
}
