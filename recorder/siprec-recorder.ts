import { silentLogger, type Logger } from "../common/logger";
import { ContainedErrors } from "../common/contained-errors";
import { serializeSdp } from "../protocol/sdp";
import type { SipResponse } from "../protocol/sip";
import {
  Dialog,
  dialogKey,
  type IncomingRequest,
  type SourceGate,
  SipError,
  SipTransportError,
  TcpTransport,
  TlsTransport,
  tagOf,
  type TransportProtocol,
  UdpTransport,
  UserAgentCore,
  type TimerValues,
} from "../sip-core";
import { parseSiprecBody, parseSiprecInvite } from "./parse-siprec-offer";
import { type EndReason, SrsRecording, type RecordingSummary } from "./srs-recording";
import { type RecoveredRecording, recoverRecordings } from "./recover-recordings";
import { recordableStreams, type SessionMedia, SrsMedia } from "./srs-media";

export interface SiprecRecorderOptions {
  readonly sipHost: string;
  /** 0 lets the OS choose (tests); UDP and TCP then get different ports. */
  readonly sipPort: number;
  readonly tcp?: boolean;
  /** SIPREC over TLS (`sips:`): the port and this recorder's certificate; none when absent. */
  readonly tls?: { readonly port: number; readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Address for c= and Contact when sipHost is a wildcard; defaults to sipHost. */
  readonly advertisedHost?: string;
  /** 0 and 0 let the OS choose RTP ports (tests). */
  readonly rtpPortMin: number;
  readonly rtpPortMax: number;
  readonly recordingsDir: string;
  /** A session with no RTP and no request for this long is finalized (paused ones are probed first). */
  readonly rtpTimeoutMs?: number;
  readonly log?: Logger;
  readonly now?: () => number;
  /** How often buffered audio is written and timeouts are checked. */
  readonly tickMs?: number;
  /** Where errors of one recording's async paths are logged once and counted; a new one by default. */
  readonly errors?: ContainedErrors;
  /** RFC 3261 timers (tests shorten T1 so an unanswered 200 times out in well under a second). */
  readonly sipTimers?: Partial<TimerValues>;
  /** How often each stream sends an RTCP receiver report; 1 s unless a test says otherwise. */
  readonly reportIntervalMs?: number;
  /** Who may start recordings (requests outside a dialog); anyone when absent (tests). */
  readonly gate?: SourceGate;
}

interface ActiveRecording {
  readonly dialog: Dialog;
  readonly session: SrsRecording;
  readonly media: SessionMedia;
  probing: boolean;
}

const ACCEPT = "application/sdp, application/rs-metadata+xml, multipart/mixed";
const SHUTDOWN_BYE_WAIT_MS = 1_000;

/**
 * The lab recorder's SIPREC side: a Session Recording Server (RFC 7866) that accepts recording
 * sessions from our media engine, receives their RTP and writes one WAV and one JSON summary per
 * recording session under `recordingsDir`. This is its SIP side (dialogs, timeouts, BYEs); the
 * RTP and RTCP sockets and the SDP answers are SrsMedia's.
 */
export class SiprecRecorder {
  private readonly ua: UserAgentCore;
  private readonly recordings = new Map<string, ActiveRecording>();
  private readonly media: SrsMedia;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly rtpTimeoutMs: number;
  private readonly advertisedHost: string;
  readonly errors: ContainedErrors;
  private timer: NodeJS.Timeout | undefined;
  private udp: UdpTransport | undefined;
  private tcp: TcpTransport | undefined;
  private closed = false;
  /** What start() finalized for a recorder that had died mid-recording. */
  recovered: readonly RecoveredRecording[] = [];

  /** A request outside a dialog (a new recording, OPTIONS) only from an allowed source (403 otherwise). */
  private admit(request: IncomingRequest): void {
    if (request.dialog === undefined) this.options.gate?.check(request.source.host, request.message.method);
  }

  private constructor(private readonly options: SiprecRecorderOptions) {
    this.log = options.log ?? silentLogger();
    this.now = options.now ?? Date.now;
    this.rtpTimeoutMs = options.rtpTimeoutMs ?? 5 * 60_000;
    this.advertisedHost = options.advertisedHost ?? options.sipHost;
    this.errors = options.errors ?? new ContainedErrors(this.log);
    this.media = new SrsMedia({
      bindHost: options.sipHost,
      advertisedHost: this.advertisedHost,
      rtpPortMin: options.rtpPortMin,
      rtpPortMax: options.rtpPortMax,
      now: this.now,
      ...(options.reportIntervalMs === undefined ? {} : { reportIntervalMs: options.reportIntervalMs }),
      onError: (where, error, recording) => this.errors.report(where, error, recording),
    });
    this.ua = new UserAgentCore({
      userAgent: "forkline-lab-recorder",
      timers: options.sipTimers,
      delegate: {
        handlers: {
          INVITE: (request) => {
            this.admit(request);
            return this.onInvite(request);
          },
          UPDATE: (request) => this.onUpdate(request),
          BYE: (request) => this.onBye(request),
          INFO: (request) => void request.reply(200),
          OPTIONS: (request) => {
            this.admit(request);
            request.reply(200, { headers: this.capabilities() });
          },
        },
        onAckTimeout: (invite, response) => this.onAckTimeout(invite, response),
        onError: (error) => {
          // A transport failure is the network's state; anything else escaped a handler: a bug.
          if (error instanceof SipTransportError) this.log.warn({ error: errorText(error) }, "SIP error");
          else this.errors.report("sip_handler", error);
        },
      },
    });
  }

  /**
   * Finalizes what a previous recorder left unfinished in `recordingsDir` (see
   * recoverRecordings), then listens for recording sessions.
   */
  static async start(options: SiprecRecorderOptions): Promise<SiprecRecorder> {
    const recorder = new SiprecRecorder(options);
    const { recovered, problems } = recoverRecordings(options.recordingsDir, recorder.now);
    recorder.recovered = recovered;
    for (const r of recovered)
      recorder.log.warn({ ...r }, "finalized a recording a previous recorder left unfinished");
    for (const p of problems) recorder.errors.report("recording_recovery", p.error, p.name);
    try {
      recorder.udp = new UdpTransport({
        host: options.sipHost,
        port: options.sipPort,
        advertisedHost: options.advertisedHost,
      });
      await recorder.ua.addTransport(recorder.udp);
      if (options.tcp ?? true) {
        recorder.tcp = new TcpTransport({
          host: options.sipHost,
          port: options.sipPort,
          advertisedHost: options.advertisedHost,
        });
        await recorder.ua.addTransport(recorder.tcp);
      }
      if (options.tls !== undefined) {
        await recorder.ua.addTransport(
          new TlsTransport({
            host: options.sipHost,
            port: options.tls.port,
            ...(options.advertisedHost === undefined ? {} : { advertisedHost: options.advertisedHost }),
            tls: { cert: options.tls.cert, key: options.tls.key },
          }),
        );
      }
    } catch (error) {
      await recorder.ua.close();
      throw error;
    }
    recorder.timer = setInterval(() => recorder.tick(), options.tickMs ?? 200);
    recorder.timer.unref();
    return recorder;
  }

  get udpPort(): number {
    return this.udp?.localAddress.port ?? 0;
  }

  get tcpPort(): number | undefined {
    return this.tcp?.localAddress.port;
  }

  get activeRecordings(): number {
    return this.recordings.size;
  }

  /** Finalizes every open recording, says BYE to its SRC (briefly), and closes all sockets. */
  async close(): Promise<RecordingSummary[]> {
    if (this.closed) return [];
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const open = [...this.recordings.values()];
    const summaries: RecordingSummary[] = [];
    for (const recording of open) {
      const summary = this.end(recording, "shutdown");
      if (summary !== undefined) summaries.push(summary);
    }
    await Promise.all(open.map((recording) => this.sayBye(recording)));
    await this.ua.close();
    return summaries;
  }

  // Requests

  private capabilities(): Record<string, string> {
    return { Allow: this.ua.allowedMethods.join(", "), Accept: ACCEPT, Supported: "siprec" };
  }

  private async onInvite(request: IncomingRequest): Promise<void> {
    if (request.dialog !== undefined) {
      await this.onReoffer(request);
      return;
    }
    if (this.closed) throw new SipError(503, "Recorder shutting down");
    const offer = parseSiprecInvite(request.message);
    const pairs = await this.media.reserve(offer);
    if (request.cancelled || this.closed) {
      this.media.release(pairs);
      return;
    }

    const callId = request.message.headers.get("Call-ID") ?? "";
    let session: SrsRecording;
    try {
      session = new SrsRecording({
        dir: this.options.recordingsDir,
        sipCallId: callId,
        offer,
        now: this.now,
        onSidecarError: (error) => this.errors.report("recording_sidecar", error, session.name),
      });
    } catch (error) {
      this.media.release(pairs);
      this.log.error({ callId, error: errorText(error) }, "cannot create the recording");
      throw new SipError(500, "Cannot create the recording file");
    }

    const media = this.media.open(session, pairs, offer);
    const response = request.createResponse(200, {
      headers: { Contact: this.contact(request.source.transport), ...this.capabilities() },
      body: serializeSdp(media.answer),
      contentType: "application/sdp",
    });
    const dialog = Dialog.createAsUas(request.message, response, request.source);
    const recording: ActiveRecording = { dialog, session, media, probing: false };
    this.recordings.set(dialog.key, recording);
    this.ua.registerDialog(dialog);
    request.send(response);
    this.log.info(
      {
        callId,
        file: session.wavFile,
        channels: session.channels,
        streams: recordableStreams(offer).map((s) => s.label),
      },
      "recording started",
    );
  }

  /** A re-INVITE: new directions (pause/resume), perhaps new streams or metadata. */
  private async onReoffer(request: IncomingRequest): Promise<void> {
    const recording = this.recordingOf(request);
    recording.session.touch();
    if (request.message.body.length === 0) {
      // An offerless re-INVITE asks for our offer; the SDP we last sent is one, unchanged, and
      // RFC 3264 §8 allows that: "If the version in the origin line does not increment, the SDP
      // MUST be identical to the SDP with that version number."
      request.reply(200, {
        headers: { Contact: this.contact(request.source.transport), ...this.capabilities() },
        body: serializeSdp(recording.media.answer),
        contentType: "application/sdp",
      });
      return;
    }
    const body = await this.applyOffer(recording, request);
    request.reply(200, {
      headers: { Contact: this.contact(request.source.transport), ...this.capabilities() },
      body,
      contentType: "application/sdp",
    });
  }

  /** RFC 3311 UPDATE: an offer in the body is handled like a re-INVITE's; without one, a refresh. */
  private async onUpdate(request: IncomingRequest): Promise<void> {
    const recording = this.recordingOf(request);
    recording.session.touch();
    if (request.message.body.length === 0) {
      request.reply(200, { headers: { Contact: this.contact(request.source.transport) } });
      return;
    }
    const body = await this.applyOffer(recording, request);
    request.reply(200, {
      headers: { Contact: this.contact(request.source.transport) },
      body,
      contentType: "application/sdp",
    });
  }

  private onBye(request: IncomingRequest): void {
    const recording = this.recordingOf(request);
    request.reply(200);
    recording.dialog.terminate();
    const summary = this.end(recording, "bye");
    if (summary !== undefined)
      this.log.info(
        {
          file: recording.session.wavFile,
          durationMs: summary.durationMs,
        },
        "recording finished",
      );
  }

  private onAckTimeout(_invite: IncomingRequest, response: SipResponse): void {
    const callId = response.headers.get("Call-ID") ?? "";
    const localTag = tagOf(response.headers.get("To") ?? "");
    const remoteTag = tagOf(response.headers.get("From") ?? "");
    const recording = this.recordings.get(dialogKey({ callId, localTag, remoteTag }));
    if (recording === undefined) return;
    this.log.warn({ callId }, "no ACK for the 200 to the recording INVITE: ending it");
    this.end(recording, "ack-timeout");
    void this.sayBye(recording);
  }

  /** An in-dialog offer (re-INVITE, UPDATE) to the session's media; returns the SDP answer. */
  private async applyOffer(recording: ActiveRecording, request: IncomingRequest): Promise<string> {
    const offer = parseSiprecBody(request.message.body, request.message.headers.get("Content-Type"), false);
    return serializeSdp(await this.media.reoffer(recording.media, recording.session, offer));
  }

  // Lifecycle

  private tick(): void {
    const now = this.now();
    for (const recording of [...this.recordings.values()]) {
      try {
        recording.session.tick();
        // What is now in the WAV is acknowledged to the SRC at once (RTCP RR, StreamReceiver).
        recording.media.streams.stored((index) => recording.session.storedThroughAt(index));
      } catch (error) {
        this.errors.report("recording_write", error, recording.session.name);
        this.end(recording, "shutdown");
        void this.sayBye(recording);
        continue;
      }
      if (now - recording.session.lastActivityMs < this.rtpTimeoutMs) continue;
      if (recording.session.paused) this.probe(recording);
      else {
        this.log.warn({ file: recording.session.wavFile }, "no RTP from the SRC: ending the recording");
        this.end(recording, "rtp-timeout");
        void this.sayBye(recording);
      }
    }
  }

  /**
   * A paused session legitimately sends no RTP, so silence alone does not end it: the SRC is
   * asked with an in-dialog OPTIONS whether the dialog still exists, and the recording ends only
   * when that fails (481, 408, no answer, transport failure).
   */
  private probe(recording: ActiveRecording): void {
    if (recording.probing) return;
    recording.probing = true;
    const options = recording.dialog.createRequest("OPTIONS");
    this.ua
      .sendInDialog(recording.dialog, options)
      .then(
        (response) => {
          if (response.status === 481 || response.status === 408) return false;
          recording.session.touch();
          return true;
        },
        () => false,
      )
      .then((alive) => {
        recording.probing = false;
        if (!alive) {
          this.log.warn(
            {
              file: recording.session.wavFile,
            },
            "the SRC of a paused recording is gone: ending it",
          );
          this.end(recording, "rtp-timeout");
        }
      })
      .catch((error: unknown) => this.errors.report("recording_probe", error, recording.session.name));
  }

  /** Finalizes the files and releases sockets and dialog; safe to call twice. */
  private end(recording: ActiveRecording, reason: EndReason): RecordingSummary | undefined {
    if (this.recordings.get(recording.dialog.key) !== recording) return undefined;
    this.recordings.delete(recording.dialog.key);
    recording.media.streams.close();
    this.ua.forgetDialog(recording.dialog);
    try {
      return recording.session.finalize(reason);
    } catch (error) {
      this.errors.report("recording_finalize", error, recording.session.name);
      return undefined;
    }
  }

  private async sayBye(recording: ActiveRecording): Promise<void> {
    if (recording.dialog.state === "terminated") return;
    try {
      const bye = recording.dialog.createRequest("BYE");
      recording.dialog.terminate();
      await withTimeout(this.ua.sendInDialog(recording.dialog, bye), SHUTDOWN_BYE_WAIT_MS);
    } catch (error) {
      this.log.debug({ error: errorText(error) }, "BYE to the SRC failed");
    }
  }

  private recordingOf(request: IncomingRequest): ActiveRecording {
    const dialog = request.dialog;
    const recording = dialog === undefined ? undefined : this.recordings.get(dialog.key);
    if (recording === undefined) throw new SipError(481, "Call/Transaction Does Not Exist");
    return recording;
  }

  private contact(transport: TransportProtocol): string {
    const local = (transport === "TCP" ? this.tcp : this.udp)?.localAddress ?? this.udp?.localAddress;
    const host = this.advertisedHost.includes(":") ? `[${this.advertisedHost}]` : this.advertisedHost;
    const param = transport === "UDP" ? "" : `;transport=${transport.toLowerCase()}`;
    return `<sip:recorder@${host}:${local?.port ?? 5060}${param}>`;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
