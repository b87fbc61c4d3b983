import { DEFAULT_DTMF_MASKING, type MsmlRecord, type MsmlRecordParticipant } from "../../protocol/msml";
import { newMetadataId } from "../../protocol/siprec";
import type { MediaLeg } from "../control/media-leg";
import type { MediaBridge, PortPool } from "../rtp";
import { DtmfMask } from "./dtmf-mask";
import type { RemoteMedia } from "./recording-segment";
import { RecordingStream } from "./recording-stream";
import type { RecordedStreamInfo } from "./siprec-offer";

/** On stop, how long to wait for the recorder to acknowledge the last packets sent. */
const FINAL_REPORT_WAIT_MS = 2_000;

export interface RecordedStreamsDeps {
  readonly bridge: MediaBridge;
  readonly portPool: PortPool;
  readonly rtpBindHost: string;
}

interface Stream {
  readonly info: RecordedStreamInfo;
  readonly leg: MediaLeg;
  readonly wire: RecordingStream;
  /** Keeps the party's key presses out of what is forwarded (see DtmfMask). */
  readonly mask: DtmfMask;
  removeTap?: () => void;
}

/**
 * The media side of one recording: a copy of each recorded leg's voice, tapped from the bridge,
 * passed through the DTMF mask and sent on its own RecordingStream to whichever recorder holds
 * the recording now. Forwarding is switched on and off by the recording (pause, loss); the
 * counters and RTCP acknowledgements of every stream tell what reached a recorder.
 */
export class RecordedStreams {
  private streams: Stream[] = [];
  /** True while media is forwarded: false from the instant a pause or a loss is known. */
  private forwarding = false;
  private forwardingSinceValue: number | undefined;

  constructor(
    private readonly record: MsmlRecord,
    private readonly deps: RecordedStreamsDeps,
  ) {}

  /** One stream per leg, each with its port pair; throws when the port pool has none left. */
  async open(legs: readonly MediaLeg[]): Promise<void> {
    this.streams = await Promise.all(legs.map((leg, index) => this.openStream(leg, index)));
  }

  /** Copies each leg's packets as the bridge relays them, while forwarding is on. */
  tap(): void {
    for (const stream of this.streams) {
      const { mask, wire } = stream;
      const owned = mask.ownsOutput;
      // Per packet: no iterator, no array (the mask reuses its own).
      stream.removeTap = this.deps.bridge.addTap(stream.leg.endpoint, (packet) => {
        if (!this.forwarding) return;
        const out = mask.process(packet);
        for (let i = 0; i < out.length; i++) wire.forward(out[i]!, owned);
      });
    }
  }

  private async openStream(leg: MediaLeg, index: number): Promise<Stream> {
    const wire = await RecordingStream.open(this.deps.portPool, this.deps.rtpBindHost);
    const participant: MsmlRecordParticipant = this.record.participants?.find(
      (p) => p.conn === leg.connId,
    ) ?? { conn: leg.connId, aor: `sip:${leg.connId.slice(5)}@media-engine.invalid` };
    return {
      info: {
        label: String(index + 1),
        streamId: newMetadataId(),
        participantId: newMetadataId(),
        localPort: wire.localPort,
        payloadType: leg.codec.payloadType,
        encoding: leg.codec.encoding,
        participant,
      },
      leg,
      wire,
      mask: new DtmfMask({
        mode: this.record.dtmfMasking ?? DEFAULT_DTMF_MASKING,
        audio: { payloadType: leg.codec.payloadType, encoding: leg.codec.encoding },
        telephoneEventPayloadType: undefined,
      }),
    };
  }

  /** What the SIPREC offer and the metadata say about each stream. */
  get infos(): RecordedStreamInfo[] {
    return this.streams.map((s) => s.info);
  }

  get wires(): RecordingStream[] {
    return this.streams.map((s) => s.wire);
  }

  /** RTP packets forwarded to recorders, all streams and segments. */
  get sent(): number {
    return this.streams.reduce((sum, s) => sum + s.wire.sent, 0);
  }

  /** Packets recorders acknowledged in RTCP receiver reports, all streams and segments. */
  get acked(): number {
    return this.streams.reduce((sum, s) => sum + s.wire.acked, 0);
  }

  /** When forwarding last started, while it is on. */
  get forwardingSince(): number | undefined {
    return this.forwarding ? this.forwardingSinceValue : undefined;
  }

  /** Starts a segment on every stream toward a recorder's answer (one remote per stream, in order). */
  async begin(remotes: readonly RemoteMedia[]): Promise<void> {
    await Promise.all(this.streams.map((s, i) => s.wire.begin(remotes[i]!, s.leg.codec.clockRate)));
  }

  /** Ends every stream's segment: nothing is sent until the next begin. */
  end(): void {
    for (const s of this.streams) s.wire.end();
  }

  /** The recorder moved its streams (another host, another port): follow them. */
  retarget(remotes: readonly RemoteMedia[], onError: (error: unknown) => void): void {
    remotes.forEach((remote, i) => {
      const wire = this.streams[i]?.wire;
      wire?.retarget(remote).catch(onError);
    });
  }

  startForwarding(): void {
    for (const s of this.streams) s.mask.flush();
    this.forwardingSinceValue = Date.now();
    this.forwarding = true;
  }

  /**
   * Forwarding stops for a pause or a stop: the packet the DTMF mask holds back arrived before,
   * so it still goes (it has been checked); nothing that arrives later does.
   */
  stopForwarding(): void {
    if (this.forwarding)
      for (const s of this.streams) for (const p of s.mask.flush()) s.wire.forward(p, s.mask.ownsOutput);
    this.forwarding = false;
  }

  /** Forwarding stops at once, the packet the mask holds back too (the recorder is gone, or failed). */
  dropForwarding(): void {
    this.forwarding = false;
  }

  /**
   * Where a gap starts: the last packet a recorder acknowledged by RTCP or, when it never sent
   * RTCP in this session, the last packet sent before the first sign of the loss.
   */
  gapStart(firstSignAt: number): number {
    const wires = this.wires;
    const acked = wires.flatMap((w) => (w.reportsSeen ? (w.lastAckedSentAt() ?? []) : []));
    if (acked.length > 0) return Math.max(...acked);
    const sent = wires.flatMap((w) => w.lastSentBefore(firstSignAt) ?? []);
    if (sent.length > 0) return Math.max(...sent);
    return this.forwardingSinceValue ?? firstSignAt;
  }

  /** Resolves once every stream whose recorder sends RTCP acknowledged its last packet, or after 2 s. */
  finalReports(): Promise<void> {
    const waiting = this.streams.filter((s) => s.wire.reportsSeen);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        for (const s of waiting) s.wire.onReport = () => undefined;
        resolve();
      };
      const check = (): void => {
        if (waiting.every((s) => s.wire.coversLastSent)) done();
      };
      const timer = setTimeout(done, FINAL_REPORT_WAIT_MS);
      for (const s of waiting) s.wire.onReport = check;
      check();
    });
  }

  /** Untaps the bridge and gives the ports back. */
  release(): void {
    for (const stream of this.streams) {
      stream.removeTap?.();
      stream.wire.close();
    }
  }
}
