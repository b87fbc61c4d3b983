import { randomBytes } from "node:crypto";
import type { MsmlRecord, MsmlRecordParticipant } from "../../protocol/msml";
import { writeSeq, writeSsrc } from "../../protocol/rtp";
import {
  createAnswer,
  mediaAddress,
  parseSdp,
  serializeSdp,
  type SessionDescription,
} from "../../protocol/sdp";
import { newMetadataId, SIPREC_OPTION_TAG, SRC_FEATURE_TAG } from "../../protocol/siprec";
import { parseSipUri, type SipRequest, type SipResponse } from "../../protocol/sip";
import {
  Dialog,
  RequestTimeoutError,
  uriDestination,
  type IncomingRequest,
  type SipAddress,
  type UserAgentCore,
} from "../../sip-core";
import type { MediaLeg } from "../control/media-leg";
import { RtpEndpoint, type MediaBridge, type PortPool } from "../rtp";
import { recordingMetadata, recordingSdp, siprecBody, type RecordedStreamInfo } from "./siprec-offer";
import { isLive, RecordingState, transitionRecording } from "./recording-state";

export type RecordingEventName = "started" | "paused" | "resumed" | "stopped" | "failed";

export interface RecordingEvent {
  readonly name: RecordingEventName;
  readonly session: RecordingSession;
  /** The recorder's SIP status or a sentence, for "failed" and failover attempts. */
  readonly reason?: string;
}

export interface RecordingSessionDeps {
  readonly ua: UserAgentCore;
  readonly bridge: MediaBridge;
  readonly portPool: PortPool;
  readonly publicAddress: string;
  readonly rtpBindHost: string;
  readonly contact: () => string;
  readonly onEvent: (event: RecordingEvent) => void;
  readonly onError: (error: unknown) => void;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 3_000;

interface Stream {
  readonly info: RecordedStreamInfo;
  readonly leg: MediaLeg;
  readonly endpoint: RtpEndpoint;
  readonly ssrc: number;
  seq: number;
  removeTap?: () => void;
}

/**
 * One SIPREC session (RFC 7866) replicating the streams of a call leg to a recorder: the voice of
 * the target leg's party and of every party joined to it, each on its own m-line, with its own
 * SSRC and sequence numbers. Packets are copied as the bridge relays them; the call path never
 * waits for the recorder.
 */
export class RecordingSession {
  private stateValue = RecordingState.Connecting;
  private streams: Stream[] = [];
  private dialog: Dialog | undefined;
  private destination: SipAddress | undefined;
  private sdpVersion = 1;
  private readonly sdpSessionId = String(BigInt(`0x${randomBytes(6).toString("hex")}`));
  private readonly metadataSessionId = newMetadataId();
  readonly startedAt = new Date();
  recorderUri: string | undefined;
  private reinvites: Promise<void> = Promise.resolve();
  /** True while media is forwarded: false from the instant a pause arrives. */
  private forwarding = false;

  constructor(
    /** MSML dialog id: `conn:<leg>/dialog:<name>`. */
    readonly dialogId: string,
    readonly target: MediaLeg,
    readonly recordingId: string,
    private readonly record: MsmlRecord,
    private readonly deps: RecordingSessionDeps,
  ) {}

  get state(): RecordingState {
    return this.stateValue;
  }

  private isState(state: RecordingState): boolean {
    return this.stateValue === state;
  }

  get live(): boolean {
    return isLive(this.stateValue);
  }

  /** Is `dialog` this session's dialog with the recorder? */
  owns(dialog: Dialog): boolean {
    return this.dialog !== undefined && this.dialog.key === dialog.key;
  }

  private move(next: RecordingState): void {
    this.stateValue = transitionRecording(this.stateValue, next);
  }

  /** Opens the streams and tries the recorders in order; never throws: failure is an event. */
  async start(legs: readonly MediaLeg[]): Promise<void> {
    try {
      this.streams = await Promise.all(legs.map((leg, index) => this.openStream(leg, index)));
    } catch (error) {
      this.fail(`no RTP port for the recording: ${(error as Error).message}`);
      return;
    }
    const tried: string[] = [];
    for (const uri of this.record.dest) {
      if (!this.live) return;
      const outcome = await this.attempt(uri);
      if (outcome === "ok") return;
      tried.push(`${uri}: ${outcome}`);
    }
    this.fail(`no recorder answered (${tried.join("; ")})`);
  }

  private async openStream(leg: MediaLeg, index: number): Promise<Stream> {
    const endpoint = await RtpEndpoint.create({
      bindHost: this.deps.rtpBindHost,
      portPool: this.deps.portPool,
      inactivityTimeoutMs: 0,
    });
    endpoint.setDirection("sendonly");
    const participant: MsmlRecordParticipant = this.record.participants?.find(
      (p) => p.conn === leg.connId,
    ) ?? {
      conn: leg.connId,
      aor: `sip:${leg.connId.slice(5)}@media-engine.invalid`,
    };
    return {
      info: {
        label: String(index + 1),
        streamId: newMetadataId(),
        participantId: newMetadataId(),
        localPort: endpoint.localPort,
        payloadType: leg.codec.payloadType,
        encoding: leg.codec.encoding,
        participant,
      },
      leg,
      endpoint,
      ssrc: randomBytes(4).readUInt32BE(0),
      seq: randomBytes(2).readUInt16BE(0),
    };
  }

  private offer(direction: "sendonly" | "inactive"): SessionDescription {
    return recordingSdp({
      address: this.deps.publicAddress,
      sessionId: this.sdpSessionId,
      version: this.sdpVersion,
      streams: this.streams.map((s) => s.info),
      direction,
    });
  }

  /** One INVITE to one recorder, bounded by the per-attempt timeout. */
  private async attempt(uri: string): Promise<"ok" | string> {
    let destination: SipAddress;
    try {
      destination = uriDestination(parseSipUri(uri));
    } catch (error) {
      return (error as Error).message;
    }
    const { contentType, body } = siprecBody(
      this.offer("sendonly"),
      recordingMetadata({
        sessionId: this.metadataSessionId,
        streams: this.streams.map((s) => s.info),
        recordingId: this.recordingId,
        params: this.record.params,
        startTime: this.startedAt.toISOString(),
      }),
    );
    const invite = this.deps.ua.createRequest("INVITE", uri, {
      from: `<sip:src@${hostOf(this.deps.contact())}>`,
      to: `<${uri}>`,
      contact: `${this.deps.contact()};${SRC_FEATURE_TAG}`,
      body,
      contentType,
      headers: {
        // RFC 7866 §6.1.1: the SRC "MUST include the 'siprec' option tag in the Require header".
        Require: SIPREC_OPTION_TAG,
        Accept: "application/sdp, application/rs-metadata+xml",
      },
    });
    let provisional = false;
    const timeoutMs = this.record.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const answered = this.deps.ua
      .send(invite, { destination, onProvisional: () => (provisional = true) })
      .catch((error: unknown) => error as Error);
    const outcome = await Promise.race([answered, timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      if (provisional) void this.deps.ua.cancel(invite, destination).catch(() => undefined);
      // A 2xx arriving after we gave up is accepted and hung up at once.
      void answered.then((late) => {
        if (!(late instanceof Error) && late.status < 300) void this.hangUpLate(invite, late, destination);
      });
      return `no answer in ${timeoutMs} ms`;
    }
    if (outcome instanceof Error)
      return outcome instanceof RequestTimeoutError ? "408 Request Timeout" : outcome.message;
    if (outcome.status >= 300) return `${outcome.status} ${outcome.reason}`;
    return this.established(uri, invite, outcome, destination);
  }

  private async established(
    uri: string,
    invite: SipRequest,
    response: SipResponse,
    destination: SipAddress,
  ): Promise<"ok" | string> {
    const dialog = Dialog.createAsUac(invite, response);
    dialog.flow = destination;
    this.deps.ua.registerDialog(dialog);
    await this.deps.ua.ack(dialog, response, { destination });
    this.dialog = dialog;
    this.destination = destination;
    this.recorderUri = uri;
    if (!this.live) {
      await this.bye();
      return "ok";
    }
    try {
      this.applyAnswer(response.body);
    } catch (error) {
      await this.bye();
      return `unusable SDP answer: ${(error as Error).message}`;
    }
    const paused = this.stateValue === RecordingState.Paused;
    if (!paused) this.move(RecordingState.Recording);
    this.attachTaps();
    this.forwarding = !paused;
    this.deps.onEvent({ name: "started", session: this });
    if (paused) void this.sendState("inactive");
    return "ok";
  }

  private applyAnswer(body: Buffer): void {
    const answer = parseSdp(body);
    this.streams.forEach((stream, index) => {
      const media = answer.media[index];
      if (media === undefined || media.port === 0) {
        throw new Error(`the recorder refused stream ${stream.info.label}`);
      }
      const remote = mediaAddress(answer, media);
      stream.endpoint.setRemote(remote.address, remote.port, remote.rtcpPort);
    });
  }

  private attachTaps(): void {
    for (const stream of this.streams) {
      stream.removeTap?.();
      stream.removeTap = this.deps.bridge.addTap(stream.leg.endpoint, (packet) =>
        this.forward(stream, packet),
      );
    }
  }

  /** Hot path: copy, restamp with the stream's own SSRC and sequence, send. */
  private forward(stream: Stream, packet: Buffer): void {
    if (!this.forwarding) return;
    const copy = Buffer.from(packet);
    writeSsrc(copy, stream.ssrc);
    writeSeq(copy, stream.seq);
    stream.seq = (stream.seq + 1) & 0xffff;
    stream.endpoint.sendRtp(copy);
  }

  /**
   * Card numbers must never reach the recorder: forwarding stops before anything else happens,
   * then the recorder is told with a re-INVITE a=inactive (RFC 7866 §8.1.2 pause by SDP).
   */
  pause(): void {
    if (this.stateValue === RecordingState.Paused) return;
    this.forwarding = false;
    this.move(RecordingState.Paused);
    this.deps.onEvent({ name: "paused", session: this });
    if (this.dialog !== undefined) void this.sendState("inactive");
  }

  /** Resumes after the recorder accepted a=sendonly again. */
  async resume(): Promise<void> {
    if (this.stateValue !== RecordingState.Paused) return;
    this.move(RecordingState.Recording);
    if (this.dialog !== undefined) {
      await this.sendState("sendonly");
      // A stop, failure or new pause may have come while the re-INVITE was out.
      if (!this.isState(RecordingState.Recording)) return;
      this.forwarding = true;
    }
    this.deps.onEvent({ name: "resumed", session: this });
  }

  /**
   * RFC 3261 §14.1: "a UAC MUST NOT initiate a new INVITE transaction within a dialog while
   * another INVITE transaction is in progress in either direction" — pause and resume re-INVITEs
   * go out one after the other.
   */
  private sendState(direction: "sendonly" | "inactive"): Promise<void> {
    this.reinvites = this.reinvites.then(() => this.reinvite(direction));
    return this.reinvites;
  }

  private async reinvite(direction: "sendonly" | "inactive"): Promise<void> {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    this.sdpVersion += 1;
    const reinvite = dialog.createRequest("INVITE", {
      body: Buffer.from(serializeSdp(this.offer(direction)), "utf8"),
      contentType: "application/sdp",
      headers: { Contact: `${this.deps.contact()};${SRC_FEATURE_TAG}` },
    });
    try {
      const response = await this.deps.ua.sendInDialog(dialog, reinvite, { destination: this.destination });
      if (response.status === 200)
        await this.deps.ua.ack(dialog, response, { destination: this.destination });
      else if (response.status === 481 || response.status === 408)
        this.fail(`recorder answered ${response.status} ${response.reason}`);
    } catch (error) {
      this.fail(`recorder unreachable: ${(error as Error).message}`);
    }
  }

  /** A re-INVITE or UPDATE from the recorder (session refresh): answer with our current state. */
  answerRecorderOffer(request: IncomingRequest): void {
    const offer = parseSdp(request.message.body);
    this.sdpVersion += 1;
    const answer = createAnswer(offer, {
      origin: this.offer("sendonly").origin,
      address: this.deps.publicAddress,
      ports: this.streams.map((s) => s.info.localPort),
      codecs: this.streams.map((s) => ({ encoding: s.info.encoding, clockRate: 8000 })),
      direction: this.stateValue === RecordingState.Paused ? "inactive" : "sendonly",
    });
    this.applyAnswerFromOffer(offer);
    request.reply(200, {
      headers: { Contact: `${this.deps.contact()};${SRC_FEATURE_TAG}` },
      body: serializeSdp(answer),
      contentType: "application/sdp",
    });
  }

  private applyAnswerFromOffer(offer: SessionDescription): void {
    this.streams.forEach((stream, index) => {
      const media = offer.media[index];
      if (media === undefined || media.port === 0) return;
      const remote = mediaAddress(offer, media);
      stream.endpoint.setRemote(remote.address, remote.port, remote.rtcpPort);
    });
  }

  /** MSML <dialogend>: BYE to the recorder. */
  async stop(): Promise<void> {
    if (!this.live) return;
    this.forwarding = false;
    this.move(RecordingState.Stopped);
    this.release();
    await this.bye();
    this.deps.onEvent({ name: "stopped", session: this });
  }

  /** The recorder hung up (BYE): the call goes on, the session is failed and reported. */
  recorderHungUp(): void {
    this.dialog = undefined;
    this.fail("the recorder ended the session (BYE)");
  }

  /** The recorded leg ended: the recording stops with it. */
  async legEnded(): Promise<void> {
    await this.stop();
  }

  private fail(reason: string): void {
    if (!this.live) return;
    this.forwarding = false;
    this.move(RecordingState.Failed);
    this.release();
    if (this.dialog !== undefined) void this.bye();
    this.deps.onEvent({ name: "failed", session: this, reason });
  }

  private release(): void {
    for (const stream of this.streams) {
      stream.removeTap?.();
      stream.endpoint.close();
    }
  }

  private async bye(): Promise<void> {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    this.dialog = undefined;
    this.deps.ua.forgetDialog(dialog);
    try {
      await this.deps.ua.sendInDialog(dialog, dialog.createRequest("BYE"), { destination: this.destination });
    } catch (error) {
      this.deps.onError(error);
    }
    dialog.terminate();
  }

  private async hangUpLate(
    invite: SipRequest,
    response: SipResponse,
    destination: SipAddress,
  ): Promise<void> {
    const dialog = Dialog.createAsUac(invite, response);
    dialog.flow = destination;
    await this.deps.ua.ack(dialog, response, { destination });
    await this.deps.ua
      .sendInDialog(dialog, dialog.createRequest("BYE"), { destination })
      .catch(() => undefined);
  }
}

function hostOf(contact: string): string {
  return /@([^;>]+)/.exec(contact)?.[1] ?? "media-engine.invalid";
}
