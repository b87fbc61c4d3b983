import { describe, expect, it } from "vitest";
import { SipError } from "./sip-error";
import { parseAllowedSource } from "../common/allowed-sources";
import { SourceGate } from "./source-gate";

const refusal = (gate: SourceGate, host: string, method = "INVITE") => {
  try {
    gate.check(host, method);
    return undefined;
  } catch (error) {
    if (!(error instanceof SipError)) throw error;
    return error.status;
  }
};

describe("SourceGate", () => {
  it("takes requests from the listed addresses and blocks only (IPv4, IPv6, IPv4-mapped)", () => {
    const gate = new SourceGate({
      allowed: ["127.0.0.1", "10.1.0.0/16", "fd00::/8"],
      invitesPerSecond: 100,
      burst: 100,
    });
    for (const host of ["127.0.0.1", "10.1.2.3", "fd00::1", "::ffff:10.1.9.9"])
      expect(refusal(gate, host), host).toBeUndefined();
    for (const host of ["127.0.0.2", "10.2.0.1", "fe80::1", "::ffff:192.0.2.1", "not-an-ip"])
      expect(refusal(gate, host, "OPTIONS"), host).toBe(403);
    expect(gate.refused).toEqual({ source: 5, rate: 0 });
  });

  it("lets a source open a burst of legs, then at its rate; other methods are not counted", () => {
    let now = 0;
    const gate = new SourceGate({ allowed: ["127.0.0.1"], invitesPerSecond: 10, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => refusal(gate, "127.0.0.1"))).toEqual([
      undefined,
      undefined,
      undefined,
      503,
    ]);
    expect(refusal(gate, "127.0.0.1", "OPTIONS")).toBeUndefined();
    now += 100; // one token back
    expect([1, 2].map(() => refusal(gate, "127.0.0.1"))).toEqual([undefined, 503]);
    now += 10_000; // back to the burst, not beyond
    expect([1, 2, 3, 4].map(() => refusal(gate, "127.0.0.1"))).toEqual([
      undefined,
      undefined,
      undefined,
      503,
    ]);
    expect(gate.refused.rate).toBe(3);
  });

  it("names a bad entry", () => {
    expect(parseAllowedSource("192.0.2.0/24")).toEqual({ address: "192.0.2.0", prefix: 24 });
    expect(() => parseAllowedSource("server.example")).toThrow(
      /"server.example" is not an IP address or CIDR block/,
    );
    expect(() => parseAllowedSource("10.0.0.0/33")).toThrow(/not an IP address or CIDR block/);
    expect(() => parseAllowedSource("10.0.0.0/8/1")).toThrow(/not an IP address or CIDR block/);
  });
});
