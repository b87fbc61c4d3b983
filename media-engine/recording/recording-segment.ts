import { randomBytes } from "node:crypto";
import {
  parseRtcpCompound,
  readTimestamp,
  serializeRtcpPacket,
  serializeSdesCname,
  writeSeq,
  writeSsrc,
} from "../../protocol/rtp";
import { SrtpSession, type SrtpPolicy } from "../../protocol/srtp";

/** Send times kept per stream, to date an acknowledged sequence number: ~20 s at 50 packets/s. */
const HISTORY = 1024;

/**
 * Sender reports every second while sending. RFC 3550 §6.2 bounds RTCP by bandwidth ("the
 * control traffic should be limited to a small and known fraction of the session bandwidth ...
 * 5%"); an SR with a CNAME is under 100 bytes, about 1 % of a G.711 stream, and the recorder
 * learns promptly how its RTP timestamps map to wall-clock time (NTP) and how many packets and
 * octets were sent, so it can tell what it missed.
 */
export const SENDER_REPORT_INTERVAL_MS = 1_000;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970), RFC 3550 §4. */
const NTP_UNIX_OFFSET_S = 2_208_988_800n;

/** Where a recorder takes one stream: its SDP answer's c=/m= and a=rtcp (or port + 1). */
export interface RemoteMedia {
  readonly address: string;
  readonly port: number;
  readonly rtcpPort: number;
  /** The recorder answered a=rtcp-mux (RFC 5761): RTCP both ways on the RTP ports. */
  readonly rtcpMux?: boolean;
  /** SDES keys when the recorder took SRTP: ours protects RTP and SRTCP, its key opens its SRTCP. */
  readonly srtp?: { readonly inbound: SrtpPolicy; readonly outbound: SrtpPolicy };
}

/** What the recorder's latest RTCP report block for our source said. */
interface ReceiverReport {
  /** RFC 3550 §6.4.1 "extended highest sequence number received". */
  highest: number;
  /** §6.4.1 "cumulative number of packets lost". */
  lost: number;
  /** When the highest sequence last went up (ms since the epoch). */
  advancedAt: number;
}

/**
 * One stream's share of one SIPREC session: its own SSRC and sequence space (a new RTP session,
 * RFC 3550 §8), the send time of each recent packet, and what the recorder's RTCP reports say it
 * received — so reports of one recorder never count for another, and an acknowledged sequence
 * number dates the last moment a recorder is known to have. No sockets: RecordingStream sends
 * what this makes and hands it what arrives.
 */
export class RecordingSegment {
  readonly ssrc = randomBytes(4).readUInt32BE(0);
  /**
   * Sequence number of the first packet. RFC 3550 A.1 starts a receiver's extended sequence at
   * the first packet's number with zero cycles, so packet i has extended number firstSeq + i.
   */
  readonly firstSeq = randomBytes(2).readUInt16BE(0);
  readonly startedAt = Date.now();
  sent = 0;
  private readonly sentAt = new Float64Array(HISTORY);
  private report: ReceiverReport | undefined;
  /** Last RTCP SR/RR from the recorder (with or without a block for us). */
  rtcpAt: number | undefined;
  /** RFC 3550 §6.4.1 "sender's octet count": payload octets sent in this segment. */
  private octets = 0;
  /** The last packet sent: its RTP timestamp and when (ms since the epoch), to date the SR's. */
  private lastTimestamp = 0;
  private lastSentAt = 0;
  /** SRTP toward this recorder (RTP/SAVP answered), else undefined: plain RTP. */
  private srtp: SrtpSession | undefined;

  constructor(
    /** Where the recorder takes this stream; a re-INVITE of the recorder may move it. */
    public remote: RemoteMedia,
    /** RTP timestamp units per second of the stream (the codec's clock rate). */
    private readonly clockRate: number,
  ) {
    this.srtp = remote.srtp === undefined ? undefined : new SrtpSession(remote.srtp);
  }

  /** The suite protecting this segment, or undefined when it is plain RTP. */
  get srtpSuite(): string | undefined {
    return this.srtp?.suite.name;
  }

  /**
   * A re-offer with another key from the recorder: its SRTCP is opened with the new one. Our
   * key is unchanged (the answer repeats it), so the session is only replaced for a new key.
   */
  rekey(remote: RemoteMedia): void {
    if (remote.srtp !== undefined && !sameInbound(this.remote.srtp?.inbound, remote.srtp.inbound))
      this.srtp = new SrtpSession(remote.srtp);
  }

  /**
   * Hot path: the packet restamped with this segment's SSRC and sequence, counted, and protected
   * when SRTP is on (undefined when protection failed). `owned`: the buffer is the caller's own
   * copy, nobody else holds it (the DTMF mask's held-back packets), so it is restamped in place;
   * else (the buffer being relayed to the other party) a copy is.
   */
  outgoing(packet: Buffer, owned: boolean): Buffer | undefined {
    const copy = owned ? packet : Buffer.from(packet);
    writeSsrc(copy, this.ssrc);
    writeSeq(copy, this.firstSeq + this.sent);
    const now = Date.now();
    this.sentAt[this.sent % HISTORY] = now;
    this.sent++;
    // Payload octets: the fixed header and CSRCs off (forwarded audio carries no header extension).
    this.octets += copy.length - 12 - 4 * (copy[0]! & 0x0f);
    this.lastTimestamp = readTimestamp(copy);
    this.lastSentAt = now;
    return this.srtp === undefined ? copy : this.srtp.protectRtp(copy);
  }

  /**
   * RFC 3550 §6.4.1: the SR's sender info — "NTP timestamp: Indicates the wallclock time ... when
   * this report was sent", "RTP timestamp: Corresponds to the same time as the NTP timestamp
   * (above), but in the same units and with the same random offset as the RTP timestamps in data
   * packets", "sender's packet count", "sender's octet count" — followed by an SDES CNAME (§6.1:
   * "An SDES packet containing a CNAME item MUST be included in each compound RTCP packet").
   * §6.3.8: a participant that sent no RTP in the last two intervals is no longer a sender, so
   * nothing (undefined) is due while paused (there is no reception to report either).
   */
  senderReport(cname: string): Buffer | undefined {
    if (this.sent === 0) return undefined;
    const now = Date.now();
    if (now - this.lastSentAt > 2 * SENDER_REPORT_INTERVAL_MS) return undefined;
    const elapsed = Math.round(((now - this.lastSentAt) * this.clockRate) / 1000);
    const plain = Buffer.concat([
      serializeRtcpPacket({
        type: "sr",
        ssrc: this.ssrc,
        ntpTimestamp: ntpTimestamp(now),
        rtpTimestamp: (this.lastTimestamp + elapsed) >>> 0,
        packetCount: this.sent,
        octetCount: this.octets,
        reports: [],
      }),
      serializeSdesCname(this.ssrc, cname),
    ]);
    return this.srtp === undefined ? plain : this.srtp.protectRtcp(plain);
  }

  /**
   * RFC 3550 §6.4.2: "The format of the receiver report (RR) packet is the same as that of the
   * SR packet except that the packet type field contains the constant 201 and the five words of
   * sender information are omitted". Only blocks about this segment's SSRC count. True when the
   * packet was an SR or RR of the recorder's.
   */
  receive(received: Buffer): boolean {
    // RFC 3711 §3.4: on an SRTP stream the recorder's reports are SRTCP; one that does not
    // authenticate is dropped like any other stranger's packet.
    const packet = this.srtp === undefined ? received : this.srtp.unprotectRtcp(received);
    if (packet === undefined) return false;
    if (packet.length < 8 || packet[0]! >> 6 !== 2 || packet[1]! < 200 || packet[1]! > 204) return false;
    let packets;
    try {
      packets = parseRtcpCompound(packet);
    } catch {
      return false;
    }
    const now = Date.now();
    let seen = false;
    for (const rtcp of packets) {
      if (rtcp.type !== "rr" && rtcp.type !== "sr") continue;
      seen = true;
      for (const block of rtcp.reports) {
        if (block.ssrc !== this.ssrc) continue;
        const previous = this.report;
        if (previous === undefined || block.highestSequence > previous.highest) {
          this.report = { highest: block.highestSequence, lost: block.cumulativeLost, advancedAt: now };
        } else if (block.highestSequence === previous.highest) previous.lost = block.cumulativeLost;
      }
    }
    if (!seen) return false;
    this.rtcpAt = now;
    return true;
  }

  /** Extended highest sequence − first sequence + 1 − cumulative lost, within what was sent. */
  get acked(): number {
    const report = this.report;
    if (report === undefined) return 0;
    const received = report.highest - this.firstSeq + 1 - report.lost;
    return Math.max(0, Math.min(this.sent, received));
  }

  /** When the oldest packet not yet acknowledged was sent (undefined: none, or no report yet). */
  firstUnackedSentAt(): number | undefined {
    if (this.report === undefined) return undefined;
    return this.sentTime(this.report.highest + 1 - this.firstSeq);
  }

  /** Send time of the highest packet the recorder acknowledged in this segment. */
  lastAckedSentAt(): number | undefined {
    if (this.report === undefined) return undefined;
    return this.sentTime(this.report.highest - this.firstSeq) ?? this.report.advancedAt;
  }

  /** Send time of the last packet sent before `time` in this segment. */
  lastSentBefore(time: number): number | undefined {
    for (let i = this.sent - 1; i >= 0 && i >= this.sent - HISTORY; i--) {
      const at = this.sentAt[i % HISTORY]!;
      if (at < time) return at;
    }
    return undefined;
  }

  /** Has the recorder acknowledged the last packet sent (or is nothing outstanding)? */
  get coversLastSent(): boolean {
    if (this.sent === 0) return true;
    return this.report !== undefined && this.report.highest >= this.firstSeq + this.sent - 1;
  }

  private sentTime(index: number): number | undefined {
    if (index < 0 || index >= this.sent || index < this.sent - HISTORY) return undefined;
    return this.sentAt[index % HISTORY];
  }
}

/** 64-bit NTP time (RFC 3550 §4: seconds since 1900 in the high word, the fraction in the low). */
export function ntpTimestamp(unixMs: number): bigint {
  const seconds = BigInt(Math.floor(unixMs / 1000)) + NTP_UNIX_OFFSET_S;
  const fraction = BigInt(Math.round(((unixMs % 1000) / 1000) * 2 ** 32)) & 0xffff_ffffn;
  return (seconds << 32n) | fraction;
}

function sameInbound(a: SrtpPolicy | undefined, b: SrtpPolicy): boolean {
  return (
    a !== undefined &&
    a.suite === b.suite &&
    a.masterKey.equals(b.masterKey) &&
    a.masterSalt.equals(b.masterSalt)
  );
}
