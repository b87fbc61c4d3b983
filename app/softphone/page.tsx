"use client";

import type * as JsSipTypes from "jssip";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { trpc } from "../_lib/trpc";
import { AppShell } from "../_components/app-shell";
import { Field, FormMessage, type FormMessageValue, SubmitButton } from "../_components/form-controls";
import { ToneMeter } from "../_lib/tone-meter";
import { AgentPanel } from "./agent-panel";
import { CtiEvents } from "./cti-events";
import { DialPad } from "./dial-pad";
import { LevelBar } from "./level-bar";
import { type NewSessionEvent, useSipRegistration } from "./use-sip-registration";

type Session = NewSessionEvent["session"];

type CallStatus = "idle" | "calling" | "ringing" | "incoming" | "in-call" | "on-hold";

const MEDIA = { audio: true, video: false } as const;
const NUMBER = /^[0-9*#+]{1,32}$/;
// JsSIP's enum is a type only; the module itself loads on demand (it needs a browser).
const RFC2833 = "RFC2833" as JsSipTypes.C.DTMF_TRANSPORT.RFC2833;

const STATUS_TEXT: Record<CallStatus, string> = {
  idle: "No call",
  calling: "Calling",
  ringing: "Ringing",
  incoming: "Incoming call",
  "in-call": "In call",
  "on-hold": "On hold",
};

// Below `md` every call control is a finger-sized (40 px) target.
const button =
  "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 disabled:opacity-60 max-md:min-h-10";

export default function SoftphonePage() {
  return (
    <AppShell requiredRole="agent">
      <Softphone />
    </AppShell>
  );
}

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function Softphone() {
  const me = trpc.auth.me.useQuery();
  // An agent's softphone is the extension assigned to them (the server refuses any other); a
  // supervisor or admin may register any extension to place test calls.
  const isAgent = me.data?.role === "agent";
  const assigned = me.data?.extension ?? null;
  const [extension, setExtension] = useState("");
  const [password, setPassword] = useState("");
  const [target, setTarget] = useState("");
  const [transferTarget, setTransferTarget] = useState("");
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [status, setStatus] = useState<CallStatus>("idle");
  const [peer, setPeer] = useState("");
  const [peerName, setPeerName] = useState("");
  const [connectedAt, setConnectedAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [sentDigits, setSentDigits] = useState("");
  const [frequency, setFrequency] = useState<number | null>(null);
  const [levels, setLevels] = useState<{ local: number | null; remote: number | null }>({
    local: null,
    remote: null,
  });
  const session = useRef<Session | null>(null);
  const audio = useRef<HTMLAudioElement | null>(null);
  const remoteMeter = useRef<ToneMeter | null>(null);
  const localMeter = useRef<ToneMeter | null>(null);
  const {
    registration,
    start,
    unregister: stopRegistration,
    ua,
  } = useSipRegistration((_ua, e) => {
    // One call at a time: a second incoming call is answered busy rather than silently
    // replacing the one the agent is on.
    if (e.originator === "remote" && session.current) {
      e.session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
      return;
    }
    track(e.session, e.originator === "remote" ? "incoming" : "outgoing");
  });
  const registeredAs = registration.status === "registered" ? registration.as : null;
  // The agent panel and activity stay through a reconnection (JsSIP registers again by itself).
  const activeDn =
    registration.status === "registered" || registration.status === "reconnecting" ? registration.as : null;
  // A user bound to an extension registers it with a credential from the server, no password
  // typed; the page does so as soon as it knows the binding (once: a manual Unregister stays).
  const autoStarted = useRef(false);
  useEffect(() => {
    if (assigned === null || autoStarted.current) return;
    autoStarted.current = true;
    void start(assigned, { kind: "credential" });
  }, [assigned, start]);
  useEffect(() => {
    if (assigned !== null) setExtension((current) => (current === "" ? assigned : current));
  }, [assigned]);
  useEffect(() => {
    const timer = setInterval(() => {
      setFrequency(remoteMeter.current?.dominantFrequency() ?? null);
      setLevels({
        local: localMeter.current?.levelDb() ?? null,
        remote: remoteMeter.current?.levelDb() ?? null,
      });
      setNow(Date.now());
    }, 300);
    return () => clearInterval(timer);
  }, []);

  function closeMeters() {
    remoteMeter.current?.close();
    remoteMeter.current = null;
    localMeter.current?.close();
    localMeter.current = null;
  }

  function attachMedia(current: Session) {
    const connection = current.connection;
    if (!connection) return;
    const play = () => {
      const stream = new MediaStream(connection.getReceivers().map((r) => r.track));
      if (audio.current) audio.current.srcObject = stream;
      remoteMeter.current?.close();
      remoteMeter.current = new ToneMeter(stream);
    };
    if (connection.getReceivers().length > 0) play();
    connection.addEventListener("track", play);
    const microphone = connection
      .getSenders()
      .map((s) => s.track)
      .filter((t): t is MediaStreamTrack => t !== null);
    if (microphone.length > 0) {
      localMeter.current?.close();
      localMeter.current = new ToneMeter(new MediaStream(microphone));
    }
  }

  function track(current: Session, direction: "incoming" | "outgoing") {
    session.current = current;
    // Whatever the last call left on screen ("Call ended …", a refused transfer) is not this call's.
    setMessage(null);
    setPeer(current.remote_identity.uri.user ?? "");
    setPeerName(current.remote_identity.display_name ?? "");
    setStatus(direction === "incoming" ? "incoming" : "calling");
    setSentDigits("");
    setConnectedAt(null);
    current.on("progress", () => setStatus((s) => (s === "calling" ? "ringing" : s)));
    current.on("confirmed", () => {
      setStatus("in-call");
      setConnectedAt(Date.now());
      attachMedia(current);
    });
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
      if (session.current !== current) return;
      session.current = null;
      closeMeters();
      setStatus("idle");
      setConnectedAt(null);
      setMessage({ kind: "ok", text: `Call ended (${cause}).` });
    };
    current.on("ended", (e: { cause: string }) => ended(e.cause));
    current.on("failed", (e: { cause: string }) => ended(e.cause));
    if (direction === "outgoing") attachMedia(current);
    else current.on("accepted", () => attachMedia(current));
  }

  function register(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    if (assigned !== null) return void start(assigned, { kind: "credential" });
    if (!/^\d{2,10}$/.test(extension))
      return setMessage({ kind: "error", text: "Enter your extension number." });
    if (password === "") return setMessage({ kind: "error", text: "Enter the extension's SIP password." });
    void start(extension, { kind: "password", password });
  }

  function unregister() {
    session.current?.terminate();
    stopRegistration();
    setMessage({ kind: "ok", text: "Unregistered." });
  }

  function call(event: FormEvent) {
    event.preventDefault();
    if (!ua.current || registration.status !== "registered")
      return setMessage({ kind: "error", text: "Register first." });
    if (!NUMBER.test(target)) return setMessage({ kind: "error", text: "Enter a number to call." });
    setMessage(null);
    ua.current.call(`sip:${target}@${window.location.hostname}`, {
      mediaConstraints: MEDIA,
      pcConfig: { iceServers: [] },
    });
  }

  function transfer(event: FormEvent) {
    event.preventDefault();
    const current = session.current;
    if (!current) return;
    if (!NUMBER.test(transferTarget))
      return setMessage({ kind: "error", text: "Enter the number to transfer to." });
    setMessage({ kind: "ok", text: `Transferring to ${transferTarget}…` });
    // Blind transfer (RFC 3515 REFER): the SIP Server takes the other party to the target and
    // ends this call when the transfer is accepted.
    current.refer(`sip:${transferTarget}@${window.location.hostname}`, {
      eventHandlers: {
        requestFailed: (e: { cause?: string }) =>
          setMessage({ kind: "error", text: `Transfer refused: ${String(e.cause ?? "no answer")}.` }),
        failed: () => setMessage({ kind: "error", text: "Transfer failed." }),
      },
    });
  }

  function key(digit: string) {
    const current = session.current;
    if (current && (status === "in-call" || status === "on-hold")) {
      // RFC 4733 events in the media stream (RTCDTMFSender), which the media engine relays to the
      // far end, rather than SIP INFO that the far end may not understand.
      current.sendDTMF(digit, { transportType: RFC2833, duration: 120, interToneGap: 70 });
      setSentDigits((d) => (d + digit).slice(-32));
    } else if (status === "idle") {
      setTarget((t) => (t + digit).slice(0, 32));
    }
  }

  const current = session.current;
  const inCall = status === "in-call" || status === "on-hold";
  return (
    <div className="mx-auto grid max-w-4xl grid-cols-1 gap-4 md:grid-cols-2">
      <section aria-labelledby="reg-title" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="reg-title" className="mb-3 text-base font-semibold">
          Extension
        </h2>
        {registeredAs ? (
          <div className="flex flex-wrap items-center gap-3">
            <p className="text-sm" data-testid="registration">
              Registered as {registeredAs}
            </p>
            <button type="button" onClick={unregister} className={button}>
              Unregister
            </button>
          </div>
        ) : isAgent && assigned === null ? (
          <p role="alert" className="text-sm text-amber-800" data-testid="no-extension">
            No extension is assigned to you. Ask an admin to assign one under Users &amp; tokens.
          </p>
        ) : (
          <>
            <form aria-label="Register" onSubmit={register} className="grid gap-3">
              <Field
                label="Extension"
                value={assigned ?? extension}
                onChange={setExtension}
                readOnly={assigned !== null}
              />
              {assigned === null ? (
                <Field label="SIP password" type="password" value={password} onChange={setPassword} />
              ) : (
                <p className="text-sm text-slate-600" data-testid="passwordless">
                  Your extension registers with your sign-in: no SIP password needed.
                </p>
              )}
              <SubmitButton pending={registration.status === "registering"}>Register</SubmitButton>
            </form>
            <p className="mt-3 text-sm text-slate-500" data-testid="registration">
              {registration.status === "registering"
                ? "Registering…"
                : registration.status === "reconnecting"
                  ? "Reconnecting…"
                  : "Not registered"}
            </p>
          </>
        )}
        {registration.problem && (
          <p role="alert" className="mt-2 text-sm text-red-700" data-testid="registration-problem">
            {registration.problem}
          </p>
        )}
      </section>

      {activeDn ? (
        <AgentPanel dn={activeDn} assignedCode={isAgent ? (me.data?.agentLoginCode ?? null) : undefined} />
      ) : (
        <section className="rounded-lg border border-dashed border-slate-200 p-4 text-sm text-slate-500">
          Register your extension to log in as an agent and take calls.
        </section>
      )}

      <section
        aria-labelledby="call-title"
        className="rounded-lg border border-slate-200 bg-white p-4 md:col-span-2"
      >
        <h2 id="call-title" className="mb-3 text-base font-semibold">
          Call
        </h2>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-[14rem_minmax(0,1fr)]">
          <div className="grid content-start gap-3">
            <form aria-label="Dial" onSubmit={call} className="grid gap-2">
              <Field label="Number" value={target} onChange={setTarget} />
              <SubmitButton pending={status === "calling" || status === "ringing"}>Call</SubmitButton>
            </form>
            <DialPad label={inCall ? "DTMF keys" : "Dial pad"} onKey={key} />
            {inCall && (
              <p className="font-mono text-xs text-slate-500" data-testid="dtmf-sent">
                Keys sent: {sentDigits.replace(/./g, "•") || "none"}
              </p>
            )}
          </div>
          <div className="grid content-start gap-3">
            <div aria-live="polite">
              <p className="flex flex-wrap items-baseline gap-2 text-sm">
                <span className="font-medium" data-testid="call-status">
                  {status === "idle" ? "No call" : `${STATUS_TEXT[status]} — ${peer}`}
                </span>
                {status !== "idle" && peerName && <span className="text-slate-500">{peerName}</span>}
                {connectedAt !== null && (
                  <span className="font-mono text-slate-500" data-testid="call-duration">
                    {formatDuration(now - connectedAt)}
                  </span>
                )}
              </p>
              <p className="text-sm text-slate-600" data-testid="remote-frequency" data-hz={frequency ?? ""}>
                {frequency === null ? "Silence" : `Hearing ~${frequency} Hz`}
              </p>
            </div>
            <div className="grid gap-1.5">
              <LevelBar label="Microphone" db={levels.local} testId="level-local" />
              <LevelBar label="Far end" db={levels.remote} testId="level-remote" />
            </div>
            <div className="flex flex-wrap gap-2">
              {status === "incoming" && (
                <>
                  <button
                    type="button"
                    className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-700 max-md:min-h-10 max-md:px-5"
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
                  <button
                    type="button"
                    className={button}
                    onClick={() => current?.terminate({ status_code: 603, reason_phrase: "Decline" })}
                  >
                    Decline
                  </button>
                </>
              )}
              {status === "in-call" && (
                <button type="button" className={button} onClick={() => current?.hold()}>
                  Hold
                </button>
              )}
              {status === "on-hold" && (
                <button type="button" className={button} onClick={() => current?.unhold()}>
                  Resume
                </button>
              )}
              {status !== "idle" && status !== "incoming" && (
                <button
                  type="button"
                  className="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 max-md:min-h-10 max-md:px-5"
                  onClick={() => current?.terminate()}
                >
                  Hang up
                </button>
              )}
            </div>
            {inCall && (
              <form aria-label="Transfer" onSubmit={transfer} className="flex flex-wrap items-end gap-2">
                <Field label="Transfer to" value={transferTarget} onChange={setTransferTarget} />
                <button type="submit" className={button}>
                  Transfer
                </button>
              </form>
            )}
          </div>
        </div>
        <audio ref={audio} autoPlay data-testid="remote-audio" />
      </section>
      <div className="md:col-span-2">
        <FormMessage message={message} />
      </div>
      {activeDn && <CtiEvents dn={activeDn} canSeeDetails={!isAgent} me={me.data?.username ?? ""} />}
    </div>
  );
}
