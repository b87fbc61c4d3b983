import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SrtpContext, type SrtpPolicy } from "./srtp-context";
import { SrtpError, type SrtpErrorKind } from "./srtp-error";
import { SRTP_SUITES, type SrtpSuiteName } from "./srtp-suite";

function policy(name: SrtpSuiteName): SrtpPolicy {
  const suite = SRTP_SUITES[name];
  return { suite, masterKey: randomBytes(suite.keyLength), masterSalt: randomBytes(suite.saltLength) };
}

function rtp(seq: number, ssrc = 0x1234_5678, payload = Buffer.alloc(160, 0xd5)): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 8;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 160) >>> 0, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

/** An RTCP RR with one report block (RFC 3550 §6.4.2). */
function rtcp(ssrc = 0x1234_5678): Buffer {
  const packet = Buffer.alloc(32);
  packet[0] = 0x81;
  packet[1] = 201;
  packet.writeUInt16BE(7, 2);
  packet.writeUInt32BE(ssrc, 4);
  packet.writeUInt32BE(0xcafebabe, 8);
  packet.writeUInt32BE(1234, 16);
  return packet;
}

function refusal(fn: () => unknown): SrtpErrorKind | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SrtpError) return error.kind;
    throw error;
  }
  return undefined;
}

describe.each(["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM"] as const)(
  "SrtpContext %s",
  (name) => {
    const suite = SRTP_SUITES[name];

    it("round-trips RTP with the tag appended and the payload not in clear", () => {
      const keys = policy(name);
      const sender = new SrtpContext(keys);
      const receiver = new SrtpContext(keys);
      for (let seq = 100; seq < 110; seq++) {
        const plain = rtp(seq);
        const sealed = sender.protect(plain);
        expect(sealed.length).toBe(plain.length + suite.rtpTagLength);
        expect(sealed.subarray(0, 12)).toEqual(plain.subarray(0, 12));
        expect(sealed.includes(Buffer.alloc(16, 0xd5))).toBe(false);
        expect(receiver.unprotect(sealed)).toEqual(plain);
      }
    });

    it("keeps CSRCs and a header extension in clear (RFC 3711 §3.1)", () => {
      const keys = policy(name);
      const plain = rtp(7);
      const withExtension = Buffer.concat([
        Buffer.from([0x91, 8]),
        plain.subarray(2, 12),
        Buffer.from("0000000a", "hex"),
        Buffer.from("bede0001" + "10ff0000", "hex"),
        plain.subarray(12),
      ]);
      const sealed = new SrtpContext(keys).protect(withExtension);
      expect(sealed.subarray(0, 24)).toEqual(withExtension.subarray(0, 24));
      expect(new SrtpContext(keys).unprotect(sealed)).toEqual(withExtension);
    });

    it("follows the sequence number across a wrap (rollover counter, RFC 3711 §3.3.1)", () => {
      const keys = policy(name);
      const sender = new SrtpContext(keys);
      const receiver = new SrtpContext(keys);
      const sealed = new Map([65533, 65534, 65535, 0, 1, 2].map((seq) => [seq, sender.protect(rtp(seq))]));
      for (const seq of [65533, 65534, 0]) expect(receiver.unprotect(sealed.get(seq)!)).toEqual(rtp(seq));
      // Reordered: 65535 of the previous ROC arrives after 0 of the next one.
      expect(receiver.unprotect(sealed.get(65535)!)).toEqual(rtp(65535));
      expect(receiver.unprotect(sealed.get(1)!)).toEqual(rtp(1));
      expect(refusal(() => receiver.unprotect(sealed.get(65535)!))).toBe("replayed");
      expect(receiver.unprotect(sealed.get(2)!)).toEqual(rtp(2));
    });

    it("refuses a replay, a packet older than the 64-packet window, and keeps going", () => {
      const keys = policy(name);
      const sender = new SrtpContext(keys);
      const receiver = new SrtpContext(keys);
      const packets = Array.from({ length: 80 }, (_, i) => sender.protect(rtp(1000 + i)));
      receiver.unprotect(packets[0]!);
      receiver.unprotect(packets[2]!);
      expect(refusal(() => receiver.unprotect(packets[2]!))).toBe("replayed");
      receiver.unprotect(packets[1]!);
      receiver.unprotect(packets[79]!);
      expect(refusal(() => receiver.unprotect(packets[3]!))).toBe("replayed");
      expect(receiver.unprotect(packets[20]!)).toEqual(rtp(1020));
    });

    it("refuses a tampered packet without learning from it", () => {
      const keys = policy(name);
      const sender = new SrtpContext(keys);
      const receiver = new SrtpContext(keys);
      const first = sender.protect(rtp(10));
      const forged = Buffer.from(first);
      forged[forged.length - 1]! ^= 0x80;
      expect(refusal(() => receiver.unprotect(forged))).toBe("auth-failed");
      // The forged copy did not enter the replay list: the genuine packet still goes through.
      expect(receiver.unprotect(first)).toEqual(rtp(10));
      const header = Buffer.from(sender.protect(rtp(11)));
      header[1] = 0; // payload type changed: the header is authenticated too
      expect(refusal(() => receiver.unprotect(header))).toBe("auth-failed");
    });

    it("refuses another key, a truncated packet and a non-RTP packet", () => {
      const sealed = new SrtpContext(policy(name)).protect(rtp(1));
      expect(refusal(() => new SrtpContext(policy(name)).unprotect(sealed))).toBe("auth-failed");
      expect(
        refusal(() =>
          new SrtpContext(policy(name)).unprotect(sealed.subarray(0, 12 + suite.rtpTagLength - 1)),
        ),
      ).toBe("too-short");
      expect(refusal(() => new SrtpContext(policy(name)).unprotect(sealed.subarray(0, 8)))).toBe("too-short");
      const v1 = Buffer.from(sealed);
      v1[0] = 0x40;
      expect(refusal(() => new SrtpContext(policy(name)).unprotect(v1))).toBe("malformed");
    });

    it("keeps a rollover counter per SSRC", () => {
      const keys = policy(name);
      const sender = new SrtpContext(keys);
      const receiver = new SrtpContext(keys);
      expect(receiver.unprotect(sender.protect(rtp(5, 1)))).toEqual(rtp(5, 1));
      expect(receiver.unprotect(sender.protect(rtp(40000, 2)))).toEqual(rtp(40000, 2));
      expect(receiver.unprotect(sender.protect(rtp(6, 1)))).toEqual(rtp(6, 1));
    });

    it("round-trips SRTCP with E set and refuses a replay or a tampered one", () => {
      const keys = policy(name);
      const sender = new SrtpContext(keys);
      const receiver = new SrtpContext(keys);
      const plain = rtcp();
      const sealed = sender.protectRtcp(plain);
      expect(sealed.length).toBe(plain.length + 4 + suite.rtcpTagLength);
      expect(sealed.subarray(0, 8)).toEqual(plain.subarray(0, 8));
      expect(sealed.subarray(8, 32)).not.toEqual(plain.subarray(8, 32));
      expect(receiver.unprotectRtcp(sealed)).toEqual(plain);
      expect(refusal(() => receiver.unprotectRtcp(sealed))).toBe("replayed");
      const second = Buffer.from(sender.protectRtcp(plain));
      expect(second.readUInt32BE(suite.transform === "gcm" ? second.length - 4 : plain.length)).toBe(
        0x8000_0001,
      );
      second[10]! ^= 1;
      expect(refusal(() => receiver.unprotectRtcp(second))).toBe("auth-failed");
      expect(refusal(() => receiver.unprotectRtcp(second.subarray(0, 8 + 4 + suite.rtcpTagLength - 1)))).toBe(
        "too-short",
      );
    });
  },
);

describe("SrtpContext keys", () => {
  it("refuses a master key or salt of the wrong length without quoting it", () => {
    const key = Buffer.alloc(15, 0x41);
    expect(
      () =>
        new SrtpContext({
          suite: SRTP_SUITES.AES_CM_128_HMAC_SHA1_80,
          masterKey: key,
          masterSalt: Buffer.alloc(14),
        }),
    ).toThrow(/16-byte key and 14-byte salt, got 15 and 14/);
  });

  it("AES_CM_128_HMAC_SHA1_32 has a 4-byte SRTP tag and a 10-byte SRTCP tag (RFC 4568 §6.2.2)", () => {
    const keys = policy("AES_CM_128_HMAC_SHA1_32");
    const context = new SrtpContext(keys);
    expect(context.protect(rtp(1)).length).toBe(172 + 4);
    expect(context.protectRtcp(rtcp()).length).toBe(32 + 4 + 10);
  });
});
