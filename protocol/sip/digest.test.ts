import { describe, expect, it } from "vitest";
import {
  computeDigestHa1,
  computeDigestResponse,
  formatDigestAuthorization,
  formatDigestChallenge,
  parseDigestAlgorithm,
  parseDigestHeader,
} from "./digest";

// RFC 7616 §3.9.1 example: user "Mufasa", password "Circle of Life".
const EXAMPLE = {
  realm: "http-auth@example.org",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
  cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  nc: "00000001",
  qop: "auth",
  method: "GET",
  uri: "/dir/index.html",
};

describe("digest (RFC 7616)", () => {
  it.each([
    ["MD5", "8ca523f5e9506fed4657c9700eebdbec"],
    ["SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"],
  ] as const)("%s response matches the RFC 7616 §3.9.1 example", (algorithm, expected) => {
    const ha1 = computeDigestHa1(algorithm, "Mufasa", EXAMPLE.realm, "Circle of Life");
    expect(computeDigestResponse({ algorithm, ha1, ...EXAMPLE })).toBe(expected);
  });

  it("parses a challenge it formats, and an Authorization it formats", () => {
    const challenge = parseDigestHeader(
      formatDigestChallenge({
        realm: "forkline",
        nonce: "abc",
        algorithm: "SHA-256",
        opaque: "o",
        stale: true,
      }),
    );
    expect(challenge.scheme).toBe("Digest");
    expect(Object.fromEntries(challenge.params)).toEqual({
      realm: "forkline",
      nonce: "abc",
      opaque: "o",
      algorithm: "SHA-256",
      qop: "auth",
      stale: "true",
    });
    const authorization = parseDigestHeader(
      formatDigestAuthorization({
        username: "1001",
        realm: "forkline",
        nonce: "abc",
        uri: "sip:127.0.0.1",
        response: "r",
        algorithm: "MD5",
        qop: "auth",
        nc: "00000002",
        cnonce: "c, with comma",
      }),
    );
    expect(authorization.params.get("cnonce")).toBe("c, with comma");
    expect(authorization.params.get("nc")).toBe("00000002");
  });

  it("defaults to MD5 and refuses unknown algorithms, repeated or malformed params", () => {
    expect(parseDigestAlgorithm(undefined)).toBe("MD5");
    expect(parseDigestAlgorithm("sha-256")).toBe("SHA-256");
    expect(parseDigestAlgorithm("SHA-512-256")).toBeUndefined();
    expect(() => parseDigestHeader('Digest realm="a", realm="b"')).toThrow(/repeated/);
    expect(() => parseDigestHeader("Digest realm")).toThrow(/malformed/);
    expect(() => parseDigestHeader("Digest")).toThrow(/malformed/);
  });
});
