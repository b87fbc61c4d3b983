import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SrtpContext } from "./srtp-context";
import { SrtpError } from "./srtp-error";
import { aesCmKeystream, deriveSessionKeys } from "./srtp-key-derivation";
import { aesCmIv } from "./srtp-packet";
import { SRTP_SUITES } from "./srtp-suite";

const vectors = path.join(import.meta.dirname, "__vectors__");
const read = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(vectors, file), "utf8")) as Record<string, unknown>;
const hex = (value: unknown) => Buffer.from(value as string, "hex");

describe("RFC 3711 Appendix B test vectors", () => {
  it("B.2: the AES-CM keystream for the RFC's session key, salt, SSRC 0 and index 0", () => {
    const v = read("rfc3711-b2-aes-cm-keystream.json");
    const iv = aesCmIv(hex(v.sessionSalt), v.ssrc as number, 0);
    expect(iv.toString("hex").toUpperCase()).toBe("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
    const keystream = aesCmKeystream(hex(v.sessionKey), iv, 0xff02 * 16);
    for (const [counter, block] of Object.entries(v.keystreamBlocks as Record<string, string>)) {
      const at = parseInt(counter, 16) * 16;
      expect(
        keystream
          .subarray(at, at + 16)
          .toString("hex")
          .toUpperCase(),
        `block ${counter}`,
      ).toBe(block);
    }
  });

  it("B.3: session encryption key, salt and authentication key from the master key", () => {
    const v = read("rfc3711-b3-key-derivation.json");
    const keys = deriveSessionKeys(
      SRTP_SUITES.AES_CM_128_HMAC_SHA1_80,
      hex(v.masterKey),
      hex(v.masterSalt),
      "rtp",
    );
    expect(keys.encryptionKey.toString("hex").toUpperCase()).toBe(v.cipherKey);
    expect(keys.salt.toString("hex").toUpperCase()).toBe(v.cipherSalt);
    expect(keys.authenticationKey.toString("hex").toUpperCase()).toBe(v.authKey);
  });
});

describe("RFC 7714 §16/§17 AEAD_AES_128_GCM test vectors", () => {
  const v = read("rfc7714-16-17-aes-128-gcm.json");
  const keys = {
    encryptionKey: hex(v.sessionKey),
    authenticationKey: Buffer.alloc(0),
    salt: hex(v.sessionSalt),
  };
  const context = () => new SrtpContext({ suite: SRTP_SUITES.AEAD_AES_128_GCM, rtp: keys, rtcp: keys });

  it("§16.1.1: protects the RTP packet into the RFC's SRTP packet, and back", () => {
    expect(context().protect(hex(v.rtp)).toString("hex")).toBe(v.srtp);
    expect(context().unprotect(hex(v.srtp)).toString("hex")).toBe(v.rtp);
  });

  it("§17.1: decrypts the RFC's SRTCP packet (index 0x5d4, E set)", () => {
    expect(context().unprotectRtcp(hex(v.srtcpEncrypted)).toString("hex")).toBe(v.rtcp);
  });

  it("§17.3: authenticates the RFC's unencrypted SRTCP packet (E clear)", () => {
    expect(context().unprotectRtcp(hex(v.srtcpTagOnly)).toString("hex")).toBe(v.rtcp);
  });

  it("refuses the §16.1.1 packet with one ciphertext bit flipped", () => {
    const tampered = hex(v.srtp);
    tampered[20]! ^= 1;
    expect(() => context().unprotect(tampered)).toThrow(SrtpError);
  });
});

describe("invalid SRTP samples (__vectors__/invalid)", () => {
  const dir = path.join(vectors, "invalid");
  const key = read("invalid/key.json");
  const policy = {
    suite: SRTP_SUITES.AES_CM_128_HMAC_SHA1_80,
    masterKey: hex(key.masterKey),
    masterSalt: hex(key.masterSalt),
  };
  const files = fs.readdirSync(dir).filter((file) => file.endsWith(".hex"));

  it("has samples", () => expect(files.length).toBeGreaterThanOrEqual(5));

  it.each(files)("%s: every line but the last is accepted, the last refused with its kind", (file) => {
    const [kind, what] = file.replace(/\.hex$/, "").split("--") as [string, string];
    const lines = fs
      .readFileSync(path.join(dir, file), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#"));
    const context = new SrtpContext(policy);
    const unprotect = (packet: Buffer) =>
      what.startsWith("srtcp") ? context.unprotectRtcp(packet) : context.unprotect(packet);
    for (const line of lines.slice(0, -1)) unprotect(hex(line.trim()));
    let caught: unknown;
    try {
      unprotect(hex(lines.at(-1)!.trim()));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SrtpError);
    expect((caught as SrtpError).kind).toBe(kind);
    expect((caught as SrtpError).protocol).toBe("srtp");
  });
});
