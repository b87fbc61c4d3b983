import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectParseError } from "../test-support/expect-parse-error";
import { parseSdp } from "./parse-sdp";
import { cryptoLines, formatCrypto, isSecureRtpProtocol, parseCrypto } from "./sdp-crypto";
import { acceptAnsweredCrypto, answerCrypto, chooseOfferedCrypto, type SdesSuite } from "./sdes-negotiation";
import { serializeSdp } from "./serialize-sdp";

const vectors = path.join(import.meta.dirname, "__vectors__");
const SUITES: SdesSuite[] = [
  { name: "AES_CM_128_HMAC_SHA1_80", keyLength: 16, saltLength: 14 },
  { name: "AES_CM_128_HMAC_SHA1_32", keyLength: 16, saltLength: 14 },
];

describe("a=crypto (RFC 4568 §9.1)", () => {
  const valid = fs
    .readFileSync(path.join(vectors, "crypto", "valid.txt"), "utf8")
    .split("\n")
    .filter((line) => line !== "");

  it.each(valid)("round-trips %s", (value) => {
    expect(formatCrypto(parseCrypto(value))).toBe(value);
  });

  it("reads the RFC 4568 §4 example's fields", () => {
    const crypto = parseCrypto(valid[0]!);
    expect(crypto).toMatchObject({ tag: 1, suite: "AES_CM_128_HMAC_SHA1_80", sessionParams: [] });
    expect(crypto.keys).toHaveLength(1);
    expect(crypto.keys[0]!.keySalt).toHaveLength(30);
    expect(crypto.keys[0]!.lifetime).toBe("2^20");
    expect(crypto.keys[0]!.mki).toEqual({ value: "1", length: 32 });
  });

  it("reads two keys and a session parameter (RFC 4568 §8.1 offer, second line)", () => {
    const crypto = parseCrypto(valid[2]!);
    expect(crypto.keys.map((k) => k.mki?.value)).toEqual(["1", "2"]);
    expect(crypto.sessionParams).toEqual(["FEC_ORDER=FEC_SRTP"]);
  });

  const invalidDir = path.join(vectors, "crypto", "invalid");
  it.each(fs.readdirSync(invalidDir))("refuses invalid/%s without quoting a key", (file) => {
    const value = fs.readFileSync(path.join(invalidDir, file), "utf8");
    expectParseError(() => parseCrypto(value), "sdp", /^sdp: a=crypto: /);
    try {
      parseCrypto(value);
    } catch (error) {
      expect((error as Error).message).not.toContain("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
    }
  });
});

describe("SDES offer/answer (RFC 4568 §7.1)", () => {
  const offer = parseSdp(fs.readFileSync(path.join(vectors, "sdes-pcma-offer.sdp")));
  const audio = offer.media[0]!;

  it("knows the SRTP profiles", () => {
    expect(isSecureRtpProtocol(audio.protocol)).toBe(true);
    expect(isSecureRtpProtocol("RTP/SAVPF")).toBe(true);
    expect(isSecureRtpProtocol("RTP/AVP")).toBe(false);
    expect(isSecureRtpProtocol("UDP/TLS/RTP/SAVPF")).toBe(false);
  });

  it("picks the first offered line it supports and keeps its tag and suite in the answer", () => {
    const choice = chooseOfferedCrypto(audio, SUITES)!;
    expect(choice.offered.tag).toBe(1);
    expect(choice.suite.name).toBe("AES_CM_128_HMAC_SHA1_80");
    expect(choice.masterKey).toHaveLength(16);
    expect(choice.masterSalt).toHaveLength(14);
    const mine = Buffer.alloc(30, 7);
    const answered = answerCrypto(choice, mine);
    expect(formatCrypto(answered)).toBe(`1 AES_CM_128_HMAC_SHA1_80 inline:${mine.toString("base64")}`);
  });

  it("passes over lines it cannot use: unknown suite, MKI, several keys, FEC/KDR/UNENCRYPTED params, bad key length", () => {
    const media = parseSdp(fs.readFileSync(path.join(vectors, "rfc4568-8.1-offer.sdp"))).media[0]!;
    expect(cryptoLines(media)).toHaveLength(2);
    expect(chooseOfferedCrypto(media, SUITES)).toBeUndefined();
    const lines = (values: string[]) => ({
      ...audio,
      attributes: values.map((value) => ({ name: "crypto", value })),
    });
    const key = Buffer.alloc(30, 1).toString("base64");
    const short = Buffer.alloc(29, 1).toString("base64");
    expect(
      chooseOfferedCrypto(
        lines([
          "1 AES_CM_128_HMAC_SHA1_80 inline:" + key + " UNENCRYPTED_SRTP",
          "2 AES_CM_128_HMAC_SHA1_80 inline:" + key + " KDR=1",
          "3 AES_CM_128_HMAC_SHA1_80 inline:" + short,
          "garbage",
          "4 AES_CM_128_HMAC_SHA1_80 inline:" + key + " WSH=128",
          "5 AES_CM_128_HMAC_SHA1_32 inline:" + key + "|2^31 KDR=0 WSH=64",
        ]),
        SUITES,
      )?.offered.tag,
    ).toBe(5);
  });

  it("the offerer accepts an answer naming an offered tag and suite, and nothing else", () => {
    const offered = cryptoLines(audio);
    const answer = parseSdp(
      serializeSdp({
        ...offer,
        media: [
          {
            ...audio,
            attributes: [
              {
                name: "crypto",
                value: `2 AES_CM_128_HMAC_SHA1_32 inline:${Buffer.alloc(30, 9).toString("base64")}`,
              },
            ],
          },
        ],
      }),
    ).media[0]!;
    const accepted = acceptAnsweredCrypto(offered, answer, SUITES)!;
    expect(accepted.suite.name).toBe("AES_CM_128_HMAC_SHA1_32");
    expect(accepted.masterKey).toEqual(Buffer.alloc(16, 9));
    const wrongTag = {
      ...answer,
      attributes: [
        {
          name: "crypto",
          value: `7 AES_CM_128_HMAC_SHA1_32 inline:${Buffer.alloc(30, 9).toString("base64")}`,
        },
      ],
    };
    expect(acceptAnsweredCrypto(offered, wrongTag, SUITES)).toBeUndefined();
    const wrongSuite = {
      ...answer,
      attributes: [
        {
          name: "crypto",
          value: `2 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(30, 9).toString("base64")}`,
        },
      ],
    };
    expect(acceptAnsweredCrypto(offered, wrongSuite, SUITES)).toBeUndefined();
    expect(acceptAnsweredCrypto(offered, { ...answer, attributes: [] }, SUITES)).toBeUndefined();
  });
});
