import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import { ReplayWindow } from "./replay-window";
import { SrtpError } from "./srtp-error";
import { aesCtr, deriveSessionKeys, type SrtpSessionKeys } from "./srtp-key-derivation";
import { aesCmIv, checkRtcpHeader, gcmIv, rtpHeaderLength } from "./srtp-packet";
import type { SrtpSuite } from "./srtp-suite";

/** One SDES key: the suite and the master key and salt from `inline:` (RFC 4568 §6.1). */
export interface SrtpPolicy {
  readonly suite: SrtpSuite;
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
}

/**
 * Session keys given directly, skipping the key derivation: how RFC 7714 §16/§17 state their
 * vectors ("the session key and salt"); for tests.
 */
export interface SrtpSessionPolicy {
  readonly suite: SrtpSuite;
  readonly rtp: SrtpSessionKeys;
  readonly rtcp: SrtpSessionKeys;
}

/** What the context remembers of one SSRC's RTP: RFC 3711 §3.2.1 "a 32-bit unsigned rollover counter (ROC)" and §3.3.1 "s_l". */
interface RtpSource {
  roc: number;
  /** Highest sequence number seen in the current ROC. */
  sl: number;
  readonly replay: ReplayWindow;
}

interface RtcpSource {
  /** Sender: the next SRTCP index. Receiver: unused. */
  next: number;
  readonly replay: ReplayWindow;
}

/** A party that changes SSRC at every re-INVITE must not grow the state without bound. */
const MAX_SOURCES = 32;
/** RFC 3711 §3.4: "SRTCP index: 31-bit counter for the SRTCP packet." */
const MAX_SRTCP_INDEX = 0x7fff_ffff;
/** RFC 3711 §3.2.1: the packet index is 48 bits (ROC || SEQ); a master key covers 2^48 packets (§9.2). */
const MAX_ROC = 0xffff_ffff;

/**
 * One direction of an SRTP session (RFC 3711 §3.2): protects what we send with our key, or
 * unprotects what the peer sends with theirs. With SDES a key covers every SSRC of the stream;
 * the rollover counter, replay list and SRTCP index are kept per SSRC, since RFC 3711 §3.2.3 says
 * "the crypto context ... is uniquely identified by the triplet context identifier:
 * context id = <SSRC, destination network address, destination transport port number>".
 *
 * Not thread-safe, not reentrant; one context per direction per stream.
 */
export class SrtpContext {
  private readonly rtpKeys: SrtpSessionKeys;
  private readonly rtcpKeys: SrtpSessionKeys;
  private readonly rtpSources = new Map<number, RtpSource>();
  private readonly rtcpSources = new Map<number, RtcpSource>();

  private readonly policy: { readonly suite: SrtpSuite };

  constructor(policy: SrtpPolicy | SrtpSessionPolicy) {
    this.policy = { suite: policy.suite };
    if (!("masterKey" in policy)) {
      this.rtpKeys = policy.rtp;
      this.rtcpKeys = policy.rtcp;
      return;
    }
    const { suite, masterKey, masterSalt } = policy;
    if (masterKey.length !== suite.keyLength || masterSalt.length !== suite.saltLength) {
      // Lengths only: the key itself never goes into a message.
      throw new RangeError(
        `${suite.name} needs a ${suite.keyLength}-byte key and ${suite.saltLength}-byte salt, ` +
          `got ${masterKey.length} and ${masterSalt.length}`,
      );
    }
    this.rtpKeys = deriveSessionKeys(suite, masterKey, masterSalt, "rtp");
    this.rtcpKeys = deriveSessionKeys(suite, masterKey, masterSalt, "rtcp");
  }

  get suite(): SrtpSuite {
    return this.policy.suite;
  }

  /** RTP → SRTP (RFC 3711 §3.3): encrypt the payload, append the authentication tag. */
  protect(packet: Buffer): Buffer {
    const headerLength = rtpHeaderLength(packet);
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    let source = this.rtpSources.get(ssrc);
    if (source === undefined) {
      source = { roc: 0, sl: seq, replay: new ReplayWindow() };
      remember(this.rtpSources, ssrc, source);
    }
    const roc = estimateRoc(source, seq);
    if (roc < 0) throw new SrtpError("replayed", `sequence ${seq} is before the first packet sent`);
    if (roc > MAX_ROC) throw new SrtpError("key-exhausted", "2^48 packets sent with this key");
    advance(source, roc, seq);
    return this.policy.suite.transform === "gcm"
      ? this.sealGcm(packet, headerLength, ssrc, roc, seq)
      : this.sealCm(packet, headerLength, ssrc, roc, seq);
  }

  /**
   * SRTP → RTP (RFC 3711 §3.3): "1. Determine which cryptographic context to use ... 2. Determine
   * the index of the SRTP packet using the rollover counter, the highest sequence number in the
   * cryptographic context, and the sequence number in the SRTP packet, as described in Section
   * 3.3.1. ... 4. For message authentication and replay protection, first check if the packet has
   * been replayed (Section 3.3.2), using the Replay List and the index as determined in Step 2. If
   * the packet is judged to be replayed, then the packet MUST be discarded ... Next, perform
   * verification of the authentication tag". The context learns from a packet (ROC, s_l, replay
   * list) only once it is authenticated (§3.3.1: "the update ... only after successful
   * authentication"), so forged packets cannot disturb it.
   */
  unprotect(packet: Buffer): Buffer {
    const suite = this.policy.suite;
    const headerLength = rtpHeaderLength(packet);
    if (packet.length < headerLength + suite.rtpTagLength)
      throw new SrtpError("too-short", `${packet.length} bytes, no room for the authentication tag`);
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const known = this.rtpSources.get(ssrc);
    // §3.3.1: for a new SSRC the receiver starts from ROC 0 and the first sequence number.
    const source = known ?? { roc: 0, sl: seq, replay: new ReplayWindow() };
    const roc = estimateRoc(source, seq);
    const index = roc * 0x1_0000 + seq;
    if (roc < 0 || roc > MAX_ROC || !source.replay.check(index))
      throw new SrtpError("replayed", `SSRC ${ssrc} sequence ${seq} already received or too old`);
    const plain =
      suite.transform === "gcm"
        ? this.openGcm(packet, headerLength, ssrc, roc, seq)
        : this.openCm(packet, headerLength, ssrc, roc, seq);
    if (known === undefined) remember(this.rtpSources, ssrc, source);
    advance(source, roc, seq);
    source.replay.update(index);
    return plain;
  }

  /**
   * RTCP → SRTCP (RFC 3711 §3.4): the first 8 octets stay clear, the rest is encrypted, then
   * "E-flag: 1 bit, indicates if the current SRTCP packet is encrypted or not" and "SRTCP index:
   * 31-bit counter for the SRTCP packet", then the tag. We always encrypt (E = 1).
   */
  protectRtcp(packet: Buffer): Buffer {
    checkRtcpHeader(packet, 8);
    const ssrc = packet.readUInt32BE(4);
    let source = this.rtcpSources.get(ssrc);
    if (source === undefined) {
      source = { next: 0, replay: new ReplayWindow() };
      remember(this.rtcpSources, ssrc, source);
    }
    const index = source.next;
    if (index > MAX_SRTCP_INDEX)
      throw new SrtpError("key-exhausted", "2^31 SRTCP packets sent with this key");
    source.next++;
    const esi = (0x8000_0000 | index) >>> 0;
    const keys = this.rtcpKeys;
    const suite = this.policy.suite;
    if (suite.transform === "gcm") {
      // RFC 7714 §9.1/§9.2: AAD = the first 8 octets || E-flag and index; the tag follows the
      // ciphertext and the E||index word comes after the tag.
      const cipher = createCipheriv("aes-128-gcm", keys.encryptionKey, gcmIv(keys.salt, ssrc, 0, index, 4), {
        authTagLength: 16,
      });
      cipher.setAAD(Buffer.concat([packet.subarray(0, 8), word(esi)]));
      const body = cipher.update(packet.subarray(8));
      cipher.final();
      return Buffer.concat([packet.subarray(0, 8), body, cipher.getAuthTag(), word(esi)]);
    }
    const cipher = createCipheriv(
      aesCtr(keys.encryptionKey),
      keys.encryptionKey,
      aesCmIv(keys.salt, ssrc, index),
    );
    const sealed = Buffer.concat([packet.subarray(0, 8), cipher.update(packet.subarray(8)), word(esi)]);
    // §4.2: "for SRTCP ... the authenticated portion ... consists of the RTCP header, the
    // Encrypted Portion, the E-flag and the SRTCP index".
    const tag = createHmac("sha1", keys.authenticationKey).update(sealed).digest();
    return Buffer.concat([sealed, tag.subarray(0, suite.rtcpTagLength)]);
  }

  /** SRTCP → RTCP: authenticate, check the SRTCP index against the replay list, decrypt if E. */
  unprotectRtcp(packet: Buffer): Buffer {
    const suite = this.policy.suite;
    const tagLength = suite.rtcpTagLength;
    checkRtcpHeader(packet, 8 + 4 + tagLength);
    const ssrc = packet.readUInt32BE(4);
    const gcm = suite.transform === "gcm";
    const esiAt = gcm ? packet.length - 4 : packet.length - 4 - tagLength;
    const esi = packet.readUInt32BE(esiAt);
    const encrypted = esi >>> 31 === 1;
    const index = esi & MAX_SRTCP_INDEX;
    const known = this.rtcpSources.get(ssrc);
    const source = known ?? { next: 0, replay: new ReplayWindow() };
    if (!source.replay.check(index))
      throw new SrtpError("replayed", `SRTCP SSRC ${ssrc} index ${index} already received or too old`);
    const keys = this.rtcpKeys;
    let plain: Buffer;
    if (gcm) {
      const tag = packet.subarray(esiAt - tagLength, esiAt);
      const body = packet.subarray(8, esiAt - tagLength);
      const decipher = createDecipheriv(
        "aes-128-gcm",
        keys.encryptionKey,
        gcmIv(keys.salt, ssrc, 0, index, 4),
        {
          authTagLength: 16,
        },
      );
      decipher.setAuthTag(tag);
      // RFC 7714 §9.2: with E = 0 the whole RTCP packet is additional authenticated data.
      decipher.setAAD(Buffer.concat([packet.subarray(0, encrypted ? 8 : esiAt - tagLength), word(esi)]));
      const opened = encrypted ? decipher.update(body) : Buffer.alloc(0);
      finalOrFail(() => decipher.final());
      plain = encrypted
        ? Buffer.concat([packet.subarray(0, 8), opened])
        : Buffer.from(packet.subarray(0, esiAt - tagLength));
    } else {
      const authenticated = packet.subarray(0, packet.length - tagLength);
      const expected = createHmac("sha1", keys.authenticationKey).update(authenticated).digest();
      if (!timingSafeEqual(expected.subarray(0, tagLength), packet.subarray(packet.length - tagLength)))
        throw new SrtpError("auth-failed", `SRTCP SSRC ${ssrc} index ${index}`);
      const body = packet.subarray(8, esiAt);
      if (encrypted) {
        const cipher = createDecipheriv(
          aesCtr(keys.encryptionKey),
          keys.encryptionKey,
          aesCmIv(keys.salt, ssrc, index),
        );
        plain = Buffer.concat([packet.subarray(0, 8), cipher.update(body)]);
      } else plain = Buffer.from(packet.subarray(0, esiAt));
    }
    if (known === undefined) remember(this.rtcpSources, ssrc, source);
    source.replay.update(index);
    return plain;
  }

  /**
   * RFC 3711 §4.2: "M = Authenticated Portion || ROC" and the tag is the leftmost bits of
   * HMAC-SHA1(k_a, M) (§4.2.1: "the output ... truncated to the n_tag left-most bits").
   */
  private rtpTag(authenticated: Buffer, roc: number): Buffer {
    return createHmac("sha1", this.rtpKeys.authenticationKey)
      .update(authenticated)
      .update(word(roc))
      .digest()
      .subarray(0, this.policy.suite.rtpTagLength);
  }

  private sealCm(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const keys = this.rtpKeys;
    const cipher = createCipheriv(
      aesCtr(keys.encryptionKey),
      keys.encryptionKey,
      aesCmIv(keys.salt, ssrc, roc * 0x1_0000 + seq),
    );
    const sealed = Buffer.concat([
      packet.subarray(0, headerLength),
      cipher.update(packet.subarray(headerLength)),
    ]);
    return Buffer.concat([sealed, this.rtpTag(sealed, roc)]);
  }

  private openCm(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const tagLength = this.policy.suite.rtpTagLength;
    const authenticated = packet.subarray(0, packet.length - tagLength);
    if (!timingSafeEqual(this.rtpTag(authenticated, roc), packet.subarray(packet.length - tagLength)))
      throw new SrtpError("auth-failed", `SSRC ${ssrc} sequence ${seq}`);
    const keys = this.rtpKeys;
    const decipher = createDecipheriv(
      aesCtr(keys.encryptionKey),
      keys.encryptionKey,
      aesCmIv(keys.salt, ssrc, roc * 0x1_0000 + seq),
    );
    return Buffer.concat([
      packet.subarray(0, headerLength),
      decipher.update(authenticated.subarray(headerLength)),
    ]);
  }

  /** RFC 7714 §8.2: "the RTP header ... is treated as the AAD", the payload is the plaintext, the tag follows. */
  private sealGcm(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const keys = this.rtpKeys;
    const cipher = createCipheriv("aes-128-gcm", keys.encryptionKey, gcmIv(keys.salt, ssrc, roc, seq, 2), {
      authTagLength: 16,
    });
    cipher.setAAD(packet.subarray(0, headerLength));
    const body = cipher.update(packet.subarray(headerLength));
    cipher.final();
    return Buffer.concat([packet.subarray(0, headerLength), body, cipher.getAuthTag()]);
  }

  private openGcm(packet: Buffer, headerLength: number, ssrc: number, roc: number, seq: number): Buffer {
    const keys = this.rtpKeys;
    const decipher = createDecipheriv(
      "aes-128-gcm",
      keys.encryptionKey,
      gcmIv(keys.salt, ssrc, roc, seq, 2),
      {
        authTagLength: 16,
      },
    );
    decipher.setAAD(packet.subarray(0, headerLength));
    decipher.setAuthTag(packet.subarray(packet.length - 16));
    const body = decipher.update(packet.subarray(headerLength, packet.length - 16));
    finalOrFail(() => decipher.final(), `SSRC ${ssrc} sequence ${seq}`);
    return Buffer.concat([packet.subarray(0, headerLength), body]);
  }
}

/**
 * RFC 3711 Appendix A: "if (s_l < 2^15) if (SEQ - s_l > 2^15) v = ROC - 1 else v = ROC; else if
 * (s_l - 2^15 > SEQ) v = ROC + 1 else v = ROC" — the ROC of the index closest to the highest one
 * seen (§3.3.1: the receiver "uses ... the index ... closest to ... s_l").
 */
function estimateRoc(source: RtpSource, seq: number): number {
  if (source.sl < 0x8000) return seq - source.sl > 0x8000 ? source.roc - 1 : source.roc;
  return source.sl - 0x8000 > seq ? source.roc + 1 : source.roc;
}

/** RFC 3711 §3.3.1: "ROC and s_l are updated" — s_l when the index grows, ROC when it wrapped. */
function advance(source: RtpSource, roc: number, seq: number): void {
  if (roc === source.roc + 1) {
    source.roc = roc;
    source.sl = seq;
  } else if (roc === source.roc && seq > source.sl) source.sl = seq;
}

function remember<T>(map: Map<number, T>, ssrc: number, value: T): void {
  if (map.size >= MAX_SOURCES) map.delete(map.keys().next().value!);
  map.set(ssrc, value);
}

function word(value: number): Buffer {
  const buffer = Buffer.allocUnsafe(4);
  buffer.writeUInt32BE(value >>> 0, 0);
  return buffer;
}

/** GCM's final() throws on a bad tag: that is an authentication failure, not a crash. */
function finalOrFail(final: () => unknown, what = "SRTCP"): void {
  try {
    final();
  } catch {
    throw new SrtpError("auth-failed", what);
  }
}
