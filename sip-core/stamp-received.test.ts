import { describe, expect, it } from "vitest";
import { parseVia, type Via } from "../protocol/sip";
import { responseDestination } from "./response-destination";
import type { SipAddress } from "./sip-address";
import { normalizeIp, stampReceived } from "./stamp-received";
import { request } from "./test-support/sip-fixtures";

function stamped(viaHost: string, source: Partial<SipAddress>, rport = false, viaPort?: number): Via {
  const req = request({ viaHost, rport, viaPort });
  stampReceived(req, { transport: "UDP", host: "192.0.2.10", port: 5060, ...source });
  return parseVia(req.headers.getAll("Via")[0] ?? "");
}

describe("stampReceived (RFC 3261 §18.2.1, RFC 3581 §4)", () => {
  it("leaves the Via alone when the sent-by IP is the packet source and there is no rport", () => {
    const via = stamped("192.0.2.10", {});
    expect(via.params.has("received")).toBe(false);
    expect(via.params.has("rport")).toBe(false);
  });

  it("adds received when the sent-by IP differs from the source", () => {
    const via = stamped("10.0.0.5", { host: "203.0.113.7" });
    expect(via.params.get("received")).toBe("203.0.113.7");
    expect(via.params.has("rport")).toBe(false);
  });

  it("adds received when the sent-by is a domain name", () => {
    expect(stamped("pc33.atlanta.example.com", {}).params.get("received")).toBe("192.0.2.10");
  });

  it("fills an empty rport with the source port and adds received even when identical", () => {
    const via = stamped("192.0.2.10", { port: 33_333 }, true);
    expect(via.params.get("rport")).toBe("33333");
    expect(via.params.get("received")).toBe("192.0.2.10");
  });

  it("keeps the branch and the other Via values", () => {
    const req = request({
      viaHost: "10.0.0.5",
      extraHeaders: ["Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp"],
    });
    stampReceived(req, { transport: "UDP", host: "198.51.100.1", port: 5060 });
    const vias = req.headers.getAll("Via");
    expect(vias).toHaveLength(2);
    expect(parseVia(vias[0] ?? "").params.get("branch")).toBe("z9hG4bKtest1");
    expect(vias[1]).toBe("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp");
  });

  it("treats an IPv4-mapped IPv6 source as the IPv4 address", () => {
    expect(normalizeIp("::ffff:192.0.2.10")).toBe("192.0.2.10");
    expect(stamped("192.0.2.10", { host: "::ffff:192.0.2.10" }).params.has("received")).toBe(false);
  });
});

describe("responseDestination (RFC 3261 §18.2.2, RFC 3581 §4)", () => {
  const udp: SipAddress = { transport: "UDP", host: "203.0.113.7", port: 40_000 };

  it("UDP with received and rport: the source address and port", () => {
    expect(responseDestination(stamped("10.0.0.5", udp, true), udp)).toEqual({
      transport: "UDP",
      host: "203.0.113.7",
      port: 40_000,
    });
  });

  it("UDP with received only: the received address and the sent-by port", () => {
    expect(responseDestination(stamped("10.0.0.5", udp, false, 5070), udp)).toEqual({
      transport: "UDP",
      host: "203.0.113.7",
      port: 5070,
    });
  });

  it("UDP without received: the sent-by, port 5060 when none is given", () => {
    const via = parseVia("SIP/2.0/UDP 198.51.100.2;branch=z9hG4bKx");
    expect(responseDestination(via, udp)).toEqual({ transport: "UDP", host: "198.51.100.2", port: 5060 });
  });

  it("TCP: the connection the request came on, with the received address and sent-by port as fallback", () => {
    const tcp: SipAddress = { transport: "TCP", host: "203.0.113.7", port: 51_000, connectionId: "tcp-7" };
    const via = stamped("10.0.0.5", tcp, true);
    expect(responseDestination(via, tcp)).toEqual({
      transport: "TCP",
      host: "203.0.113.7",
      port: 5060,
      connectionId: "tcp-7",
    });
  });
});
