"use client";

import type * as JsSipTypes from "jssip";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { AppShell } from "../_components/app-shell";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../_components/form-controls";
import { errorMessage } from "../_lib/error-message";
import { ToneMeter } from "../_lib/tone-meter";
import { trpc } from "../_lib/trpc";

type JsSipModule = typeof JsSipTypes;
type UA = InstanceType<JsSipModule["UA"]>;
type Session = Parameters<Parameters<UA["on"]>[1]>[0] extends infer E
  ? E extends { session: infer S }
    ? S
    : never
  : never;

type CallStatus = "idle" | "calling" | "ringing" | "incoming" | "in-call" | "on-hold";

const MEDIA = { audio: true, video: false } as const;

export default function SoftphonePage() {
  return (
    <AppShell requiredRole="agent">
      <Softphone />
    </AppShell>
  );
}

function Softphone() {
  const [extension, setExtension] = useState("");
  const [password, setPassword] = useState("");
  const [target, setTarget] = useState("");
  const [registration, setRegistration] = useState<"unregistered" | "registering" | "registered">(
    "unregistered",
  );
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [status, setStatus] = useState<CallStatus>("idle");
  const [peer, setPeer] = useState("");
  const [frequency, setFrequency] = useState<number | null>(null);
  const ua = useRef<UA | null>(null);
  const session = useRef<Session | null>(null);
  const audio = useRef<HTMLAudioElement | null>(null);
  const meter = useRef<ToneMeter | null>(null);

  useEffect(() => () => ua.current?.stop(), []);
  useEffect(() => {
    const timer = setInterval(() => setFrequency(meter.current?.dominantFrequency() ?? null), 300);
    return () => clearInterval(timer);
  }, []);

  function attachRemoteAudio(current: Session) {
    const connection = current.connection;
    if (!connection) return;
    const play = () => {
      const stream = new MediaStream(connection.getReceivers().map((r) => r.track));
      if (audio.current) audio.current.srcObject = stream;
      meter.current?.close();
      meter.current = new ToneMeter(stream);
    };
    if (connection.getReceivers().length > 0) play();
    connection.addEventListener("track", play);
  }

  function track(current: Session, direction: "incoming" | "outgoing") {
    session.current = current;
    setPeer(current.remote_identity.uri.user ?? "");
    setStatus(direction === "incoming" ? "incoming" : "calling");
    current.on("progress", () => setStatus((s) => (s === "calling" ? "ringing" : s)));
    current.on("confirmed", () => setStatus("in-call"));
    // JsSIP sends its SDP only when ICE gathering completes, which can take long (a browser
    // waits on every interface). Host candidates come first and the media engine needs nothing
    // else, so the SDP goes half a second after the first candidate.
    let gatheringCut = false;
    current.on("icecandidate", (e: { ready: () => void }) => {
      if (gatheringCut) return;
      gatheringCut = true;
      setTimeout(e.ready, 500);
    });
    current.on("hold", () => setStatus("on-hold"));
    current.on("unhold", () => setStatus("in-call"));
    const ended = (cause: string) => {
      session.current = null;
      meter.current?.close();
      meter.current = null;
      setStatus("idle");
      setMessage({ kind: "ok", text: `Call ended (${cause}).` });
    };
    current.on("ended", (e: { cause: string }) => ended(e.cause));
    current.on("failed", (e: { cause: string }) => ended(e.cause));
    if (direction === "outgoing") attachRemoteAudio(current);
    else current.on("accepted", () => attachRemoteAudio(current));
  }

  async function register(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    if (!/^\d{2,10}$/.test(extension))
      return setMessage({ kind: "error", text: "Enter your extension number." });
    if (password === "") return setMessage({ kind: "error", text: "Enter the extension's SIP password." });
    const JsSIP: JsSipModule = await import("jssip");
    ua.current?.stop();
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new JsSIP.WebSocketInterface(`${scheme}://${window.location.host}/sip`);
    const next = new JsSIP.UA({
      sockets: [socket],
      uri: `sip:${extension}@${window.location.hostname}`,
      password,
      register: true,
      session_timers: false,
      user_agent: "Forkline softphone (JsSIP)",
    });
    next.on("registered", () => {
      setRegistration("registered");
      setMessage({ kind: "ok", text: `Registered as ${extension}.` });
    });
    next.on("registrationFailed", (e) => {
      setRegistration("unregistered");
      setMessage({ kind: "error", text: `Registration failed: ${String(e.cause ?? "no answer")}.` });
    });
    next.on("unregistered", () => setRegistration("unregistered"));
    next.on("newRTCSession", (e: { session: Session; originator: string }) =>
      track(e.session, e.originator === "remote" ? "incoming" : "outgoing"),
    );
    setRegistration("registering");
    next.start();
    ua.current = next;
  }

  function call(event: FormEvent) {
    event.preventDefault();
    if (!ua.current || registration !== "registered")
      return setMessage({ kind: "error", text: "Register first." });
    if (!/^[0-9*#+]{1,32}$/.test(target))
      return setMessage({ kind: "error", text: "Enter a number to call." });
    setMessage(null);
    ua.current.call(`sip:${target}@${window.location.hostname}`, {
      mediaConstraints: MEDIA,
      pcConfig: { iceServers: [] },
    });
  }

  const current = session.current;
  return (
    <div className="mx-auto grid max-w-3xl gap-6 p-6 md:grid-cols-2">
      <section aria-labelledby="reg-title" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="reg-title" className="mb-3 text-base font-semibold">
          Extension
        </h2>
        <form aria-label="Register" onSubmit={(e) => void register(e)} className="grid gap-3">
          <Field label="Extension" value={extension} onChange={setExtension} />
          <Field label="SIP password" type="password" value={password} onChange={setPassword} />
          <SubmitButton pending={registration === "registering"}>Register</SubmitButton>
        </form>
        <p className="mt-3 text-sm" data-testid="registration">
          {registration === "registered" ? `Registered as ${extension}` : registration}
        </p>
      </section>

      <section aria-labelledby="call-title" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="call-title" className="mb-3 text-base font-semibold">
          Call
        </h2>
        <form aria-label="Dial" onSubmit={call} className="grid gap-3">
          <Field label="Number" value={target} onChange={setTarget} />
          <SubmitButton pending={status === "calling"}>Call</SubmitButton>
        </form>
        <p className="mt-3 text-sm" data-testid="call-status">
          {status === "idle" ? "No call" : `${status} — ${peer}`}
        </p>
        <p className="text-sm text-slate-600" data-testid="remote-frequency" data-hz={frequency ?? ""}>
          {frequency === null ? "Silence" : `Hearing ~${frequency} Hz`}
        </p>
        <div className="mt-3 flex flex-wrap gap-2">
          {status === "incoming" && (
            <button
              type="button"
              className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white"
              onClick={() =>
                // The SIP Server invites without SDP (late offer): the phone makes the offer, and
                // JsSIP only asks for the microphone when told the offer must carry audio.
                current?.answer({
                  mediaConstraints: MEDIA,
                  pcConfig: { iceServers: [] },
                  rtcOfferConstraints: { offerToReceiveAudio: true },
                })
              }
            >
              Answer
            </button>
          )}
          {status === "in-call" && (
            <button
              type="button"
              className="rounded-md border px-3 py-1.5 text-sm"
              onClick={() => current?.hold()}
            >
              Hold
            </button>
          )}
          {status === "on-hold" && (
            <button
              type="button"
              className="rounded-md border px-3 py-1.5 text-sm"
              onClick={() => current?.unhold()}
            >
              Resume
            </button>
          )}
          {status !== "idle" && (
            <button
              type="button"
              className="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white"
              onClick={() => current?.terminate()}
            >
              Hang up
            </button>
          )}
        </div>
        <audio ref={audio} autoPlay data-testid="remote-audio" />
      </section>
      <FormMessage message={message} />
      {registration === "registered" && <CtiEvents dn={extension} />}
    </div>
  );
}

/** The T-Library events of this DN, live: what a CTI client of the agent's desktop would see. */
function CtiEvents({ dn }: { dn: string }) {
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
