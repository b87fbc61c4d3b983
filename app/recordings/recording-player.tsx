"use client";

import { type KeyboardEvent, type MouseEvent, useEffect, useRef, useState } from "react";
import { drawWaveform } from "./waveform-peaks";

/** What the player needs of a recording session (the history API's view). */
export type PlayerRecording = {
  id: string;
  dn: string;
  startedAt: Date;
  endedAt: Date | null;
  segments: number;
  pauses: { pausedAt: Date; resumedAt: Date | null; pausedBy: string }[];
  gaps: { startedAt: Date; endedAt: Date | null; reason: string }[];
};

type Span = { kind: "pause" | "gap"; from: number; to: number; label: string };
type Participant = { aor?: string; name?: string; dn?: string };

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;
const COLORS = ["#0f766e", "#4338ca", "#b45309", "#be185d"];
/** How far an arrow key moves (Shift: finer). */
const SEEK_STEP_S = 5;
const FINE_STEP_S = 1;

/** m:ss.t, the precision a supervisor looking for a moment needs. */
export function clock(seconds: number): string {
  const s = Math.max(0, seconds);
  const minutes = Math.floor(s / 60);
  const rest = s - minutes * 60;
  return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}

/**
 * Where segment `segment` starts in wall-clock time: the session's start for the first; for a
 * continuation, the end of the gap before it (the continuation is what ended the gap).
 */
function segmentStart(recording: PlayerRecording, segment: number): number {
  if (segment <= 1) return recording.startedAt.getTime();
  return (recording.gaps[segment - 2]?.endedAt ?? recording.startedAt).getTime();
}

/** The session's pauses and gaps in seconds of this segment's file, cut to its length. */
function spansOf(recording: PlayerRecording, segment: number, duration: number): Span[] {
  const start = segmentStart(recording, segment);
  const end = recording.endedAt ?? new Date();
  const at = (d: Date) => (d.getTime() - start) / 1000;
  const spans: Span[] = [
    ...recording.pauses.map((p) => ({
      kind: "pause" as const,
      from: at(p.pausedAt),
      to: at(p.resumedAt ?? end),
      label: `paused${p.pausedBy ? ` by ${p.pausedBy}` : ""}`,
    })),
    ...recording.gaps.map((g) => ({
      kind: "gap" as const,
      from: at(g.startedAt),
      to: at(g.endedAt ?? end),
      label: `media lost${g.reason ? `: ${g.reason}` : ""}`,
    })),
  ];
  return spans
    .map((s) => ({ ...s, from: Math.max(0, s.from), to: Math.min(duration, s.to) }))
    .filter((s) => s.to > s.from);
}

/** Names the channel of each participant, and which side is the agent's (the recorded DN). */
function channelName(index: number, participant: Participant | undefined, dn: string): string {
  const role = participant?.dn !== undefined && dn !== "" ? (participant.dn === dn ? "agent" : "customer") : undefined;
  const who = participant?.name ?? participant?.dn ?? participant?.aor;
  const fallback = index === 0 ? "customer" : index === 1 ? "agent" : undefined;
  return [`Channel ${index + 1}`, role ?? fallback, who].filter(Boolean).join(" · ");
}

/**
 * A recording in the browser: the WAV fetched once through the server (one audited listen),
 * decoded with the Web Audio API to draw one waveform per channel, and played by an <audio>
 * element from the same bytes (its playbackRate keeps the pitch at other speeds, which an
 * AudioBufferSourceNode would not). Pauses and gaps are shaded over the waveforms; a click or
 * the arrow keys seek, space plays and pauses. The whole file is held in the page: fine for a
 * call (5 min of 2-channel 8 kHz is 10 MB); hours-long recordings would want peaks computed on
 * the server and the audio streamed by range.
 */
export function RecordingPlayer({ recording, onClose }: { recording: PlayerRecording; onClose: () => void }) {
  const [segment, setSegment] = useState(1);
  const [buffer, setBuffer] = useState<AudioBuffer | null>(null);
  const [source, setSource] = useState<string | null>(null);
  const [participants, setParticipants] = useState<Participant[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [time, setTime] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const audio = useRef<HTMLAudioElement>(null);
  const canvases = useRef<(HTMLCanvasElement | null)[]>([]);
  const base = `/api/recordings/${encodeURIComponent(recording.id)}`;
  const query = `segment=${segment}`;

  useEffect(() => {
    const abort = new AbortController();
    let url: string | null = null;
    setBuffer(null);
    setSource(null);
    setError(null);
    setTime(0);
    void (async () => {
      try {
        const response = await fetch(`${base}/audio?${query}`, { signal: abort.signal });
        if (!response.ok) throw new Error((await response.text()).trim() || `HTTP ${response.status}`);
        const bytes = await response.arrayBuffer();
        // The decoder takes the bytes (detaches them): it gets a copy, <audio> the original.
        url = URL.createObjectURL(new Blob([bytes], { type: "audio/wav" }));
        const decoded = await new OfflineAudioContext(1, 1, 8000).decodeAudioData(bytes.slice(0));
        if (abort.signal.aborted) return;
        setSource(url);
        setBuffer(decoded);
      } catch (cause) {
        if (abort.signal.aborted) return;
        setError(`Could not load the recording: ${cause instanceof Error ? cause.message : String(cause)}`);
      }
    })();
    // The sidecar names the channels' participants; without it the player still plays.
    void fetch(`${base}/metadata?${query}`, { signal: abort.signal })
      .then(async (r) => (r.ok ? ((await r.json()) as { participants?: Participant[] }) : {}))
      .then((m) => setParticipants(m.participants ?? []))
      .catch(() => undefined);
    return () => {
      abort.abort();
      if (url !== null) URL.revokeObjectURL(url);
    };
  }, [base, query]);

  // Drawn again when the box changes size (a phone turned, the window resized).
  useEffect(() => {
    if (buffer === null) return;
    const draw = () =>
      canvases.current.forEach((canvas, channel) => {
        if (canvas && channel < buffer.numberOfChannels)
          drawWaveform(canvas, buffer.getChannelData(channel), COLORS[channel % COLORS.length] ?? "#0f766e");
      });
    draw();
    const observer = new ResizeObserver(draw);
    canvases.current.forEach((canvas) => canvas && observer.observe(canvas));
    return () => observer.disconnect();
  }, [buffer]);

  // The position follows playback smoothly (timeupdate alone comes four times a second).
  useEffect(() => {
    if (!playing) return;
    let frame = requestAnimationFrame(function tick() {
      setTime(audio.current?.currentTime ?? 0);
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing]);

  useEffect(() => {
    if (audio.current) {
      audio.current.playbackRate = speed;
      audio.current.defaultPlaybackRate = speed;
    }
  }, [speed, source]);

  const duration = buffer?.duration ?? 0;
  const spans = buffer ? spansOf(recording, segment, duration) : [];

  function seek(seconds: number) {
    const to = Math.min(Math.max(0, seconds), duration);
    if (audio.current) audio.current.currentTime = to;
    setTime(to);
  }

  function toggle() {
    const element = audio.current;
    if (!element || buffer === null) return;
    if (element.paused)
      element.play().catch((cause: unknown) => setError(`Could not play: ${(cause as Error).message}`));
    else element.pause();
  }

  function onWaveformClick(event: MouseEvent<HTMLDivElement>) {
    const box = event.currentTarget.getBoundingClientRect();
    seek(((event.clientX - box.left) / Math.max(1, box.width)) * duration);
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>) {
    const target = event.target as HTMLElement;
    // A select's arrows choose, a button's or link's space presses it: those stay theirs.
    if (target.closest("select, input, a")) return;
    const step = event.shiftKey ? FINE_STEP_S : SEEK_STEP_S;
    if (event.key === " " && !target.closest("button")) toggle();
    else if (event.key === "ArrowLeft" || event.key === "ArrowDown") seek(time - step);
    else if (event.key === "ArrowRight" || event.key === "ArrowUp") seek(time + step);
    else if (event.key === "Home") seek(0);
    else if (event.key === "End") seek(duration);
    else return;
    event.preventDefault();
  }

  const channels = buffer?.numberOfChannels ?? 0;
  const percent = (seconds: number) => `${((seconds / Math.max(duration, 0.001)) * 100).toFixed(3)}%`;
  return (
    <section
      aria-label={`Player for recording ${recording.id}`}
      onKeyDown={onKeyDown}
      className="mt-3 space-y-2 rounded-lg border border-slate-300 bg-slate-50 p-3"
    >
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {!error && buffer === null && <p className="text-sm text-slate-500">Loading the recording…</p>}
      {buffer !== null && (
        <div className="relative">
          <div className="grid grid-cols-1 gap-1">
            {Array.from({ length: channels }, (_, channel) => (
              <div key={channel}>
                <span className="block text-xs text-slate-600">
                  {channelName(channel, participants[channel], recording.dn)}
                </span>
                <canvas
                  ref={(el) => {
                    canvases.current[channel] = el;
                  }}
                  role="img"
                  aria-label={`Waveform, ${channelName(channel, participants[channel], recording.dn)}`}
                  className="block h-16 w-full rounded bg-white"
                />
              </div>
            ))}
          </div>
          <div className="pointer-events-none absolute inset-0">
            {spans.map((span) => (
              <span
                key={`${span.kind}${span.from}`}
                role="img"
                data-testid={`player-${span.kind}`}
                aria-label={`${span.kind === "pause" ? "Pause" : "Gap"} ${clock(span.from)}–${clock(span.to)}, ${span.label}`}
                title={span.label}
                className={`absolute inset-y-0 ${
                  span.kind === "pause"
                    ? "bg-slate-500/30"
                    : "bg-[repeating-linear-gradient(45deg,rgba(127,29,29,0.45)_0,rgba(127,29,29,0.45)_3px,transparent_3px,transparent_6px)]"
                }`}
                style={{ left: percent(span.from), width: `calc(${percent(span.to)} - ${percent(span.from)})` }}
              />
            ))}
            <span className="absolute inset-y-0 w-0.5 bg-red-600" style={{ left: percent(time) }} />
          </div>
          {/* On top of the waveforms, so a click anywhere on them seeks. */}
          <div
            role="slider"
            tabIndex={0}
            aria-label="Position"
            aria-valuemin={0}
            aria-valuemax={Math.round(duration * 10) / 10}
            aria-valuenow={Math.round(time * 10) / 10}
            aria-valuetext={`${clock(time)} of ${clock(duration)}`}
            onClick={onWaveformClick}
            className="absolute inset-0 cursor-pointer rounded focus-visible:outline-2 focus-visible:outline-blue-600"
          />
        </div>
      )}
      {source !== null && (
        <audio
          ref={audio}
          src={source}
          preload="auto"
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={() => setPlaying(false)}
          onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
          onError={() => setError("The browser could not play this recording.")}
        />
      )}
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <button
          type="button"
          onClick={toggle}
          disabled={buffer === null}
          className="rounded-md bg-slate-900 px-3 py-1 text-white disabled:opacity-50 max-md:min-h-10 max-md:px-5"
        >
          {playing ? "Pause" : "Play"}
        </button>
        <span data-testid="player-time" className="tabular-nums">
          {clock(time)} / {clock(duration)}
        </span>
        <label className="flex items-center gap-1">
          Speed
          <select
            aria-label="Speed"
            value={speed}
            onChange={(e) => setSpeed(Number(e.target.value))}
            className="rounded-md border border-slate-300 px-1 py-0.5 max-md:min-h-10"
          >
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        {recording.segments > 1 && (
          <label className="flex items-center gap-1">
            Segment
            <select
              aria-label="Segment"
              value={segment}
              onChange={(e) => setSegment(Number(e.target.value))}
              className="rounded-md border border-slate-300 px-1 py-0.5 max-md:min-h-10"
            >
              {Array.from({ length: recording.segments }, (_, i) => (
                <option key={i} value={i + 1}>
                  {i + 1} of {recording.segments}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="flex items-center gap-2 text-xs text-slate-600">
          <span className="inline-block h-3 w-4 bg-slate-500/30" aria-hidden="true" /> paused
          <span
            className="inline-block h-3 w-4 bg-[repeating-linear-gradient(45deg,rgba(127,29,29,0.45)_0,rgba(127,29,29,0.45)_3px,transparent_3px,transparent_6px)]"
            aria-hidden="true"
          />{" "}
          gap (media lost)
        </span>
        <a href={`${base}/audio?${query}&download=1`} download className="text-blue-700 underline">
          Download WAV
        </a>
        <a href={`${base}/metadata?${query}&download=1`} download className="text-blue-700 underline">
          Download metadata (JSON)
        </a>
        <button
          type="button"
          onClick={onClose}
          className="ml-auto rounded-md border border-slate-300 px-2 py-0.5 hover:bg-white max-md:min-h-10 max-md:px-3"
        >
          Close player
        </button>
      </div>
    </section>
  );
}
