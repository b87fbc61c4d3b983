import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import { checkEngineAuth, ENGINE_AUTH_WINDOW_S, parseEngineAuth, signEngineRequest } from "./engine-auth";

const SECRET = "s3cret-shared-by-server-and-engine";
const INVITE = { method: "INVITE", callId: "leg-1@forkline", cseq: 1 };
const AT = Date.UTC(2026, 11, 3, 7, 0, 0);

describe("engine request signature (X-Forkline-Auth)", () => {
  it("signs a request the engine accepts, bound to the time, method, Call-ID and CSeq", () => {
    const value = signEngineRequest(SECRET, INVITE, AT);
    // The vector, computed independently with
    // printf '1796281200\nINVITE\nleg-1@forkline\n1' | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    // (base64url, no padding).
    expect(value).toBe("t=1796281200;sig=ZNmaH6YUtPfh8MlKXVfjEtM1uSS2v9TrifeUK-_NDxw");
    expect(signEngineRequest(SECRET, INVITE, AT + 999)).toBe(value);
    expect(checkEngineAuth(SECRET, value, INVITE, AT)).toBeNull();
    expect(checkEngineAuth(SECRET, value, INVITE, AT + ENGINE_AUTH_WINDOW_S * 1000)).toBeNull();
  });

  it("refuses another request, another secret, a stale or future time, a missing or malformed header", () => {
    const value = signEngineRequest(SECRET, INVITE, AT);
    expect(checkEngineAuth(SECRET, value, { ...INVITE, callId: "leg-2@forkline" }, AT)).toBe("bad signature");
    expect(checkEngineAuth(SECRET, value, { ...INVITE, method: "OPTIONS" }, AT)).toBe("bad signature");
    expect(checkEngineAuth(SECRET, value, { ...INVITE, cseq: 2 }, AT)).toBe("bad signature");
    expect(checkEngineAuth("another-secret", value, INVITE, AT)).toBe("bad signature");
    expect(checkEngineAuth(SECRET, value, INVITE, AT + (ENGINE_AUTH_WINDOW_S + 2) * 1000)).toBe(
      "signature outside the time window",
    );
    expect(checkEngineAuth(SECRET, value, INVITE, AT - (ENGINE_AUTH_WINDOW_S + 2) * 1000)).toBe(
      "signature outside the time window",
    );
    expect(checkEngineAuth(SECRET, undefined, INVITE, AT)).toBe("no X-Forkline-Auth");
    for (const bad of ["", "t=1;sig=short", "sig=x;t=1", `t=abc;sig=${"A".repeat(43)}`, `${value};extra`])
      expect(() => parseEngineAuth(bad)).toThrow(ProtocolParseError);
  });
});
