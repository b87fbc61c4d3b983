import { describe, expect, it } from "vitest";
import { createResponse } from "./create-response";
import { formatNameAddr, parseNameAddr } from "./name-addr";
import { parseSipMessage } from "./parse-sip-message";
import { SipHeaders } from "./sip-headers";
import { formatSipUri, formatUriHost, parseSipUri, sipUri } from "./sip-uri";
import { formatVia, parseVia } from "./via";

describe("SIP URIs (RFC 3261 §19.1)", () => {
  it.each([
    "sip:alice@atlanta.com",
    "sip:alice:secretword@atlanta.com;transport=tcp",
    "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
    "sip:+1-212-555-1212:1234@gateway.com;user=phone",
    "sips:1212@gateway.com",
    "sip:alice@192.0.2.4",
    "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
    "sip:alice;day=tuesday@atlanta.com",
    "sip:[2001:db8::10]:5070;transport=udp;lr",
  ])("%s (RFC 3261 §19.1.3 examples and friends) round-trips", (text) => {
    expect(formatSipUri(parseSipUri(text))).toBe(text);
  });

  it("keeps other schemes opaque so a UA can answer 416", () => {
    const uri = parseSipUri("tel:+358-555-1234567;postd=pp22");
    expect(uri).toMatchObject({ scheme: "tel", host: "", opaque: "+358-555-1234567;postd=pp22" });
    expect(formatSipUri(uri)).toBe("tel:+358-555-1234567;postd=pp22");
  });

  it.each([
    "sip:",
    "alice@atlanta.com",
    "sip:alice@",
    "sip:al ice@atlanta.com",
    "sip:alice@atlanta.com:99999",
    "sip:a@[::1",
  ])("refuses %s", (text) => expect(() => parseSipUri(text)).toThrow(/sip:/));

  it("builds URIs with bracketed IPv6 hosts", () => {
    expect(
      formatSipUri(sipUri({ user: "1001", host: "::1", port: 5060, params: { transport: "tcp" } })),
    ).toBe("sip:1001@[::1]:5060;transport=tcp");
  });
});

describe("name-addr and Via", () => {
  it("tells URI parameters from header parameters", () => {
    const bracketed = parseNameAddr("<sip:bob@biloxi.com;transport=tcp>;tag=a6c85cf");
    expect(bracketed.uri.params.get("transport")).toBe("tcp");
    expect(bracketed.params.get("tag")).toBe("a6c85cf");
    const bare = parseNameAddr("sip:bob@biloxi.com;tag=a6c85cf");
    expect(bare.uri.params.size).toBe(0);
    expect(bare.params.get("tag")).toBe("a6c85cf");
    expect(formatNameAddr({ ...bracketed, displayName: 'Bob "B"' })).toBe(
      '"Bob \\"B\\"" <sip:bob@biloxi.com;transport=tcp>;tag=a6c85cf',
    );
  });

  it("formats what it parses", () => {
    const via = parseVia("SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK776asdhds;rport;received=192.0.2.1");
    expect(via.host).toBe("[2001:db8::9]");
    expect(formatVia(via)).toBe(
      "SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK776asdhds;rport;received=192.0.2.1",
    );
  });
});

describe("SipHeaders and createResponse", () => {
  it("treats compact and long names alike and keeps row order", () => {
    const headers = new SipHeaders();
    headers.append("v", "SIP/2.0/UDP a;branch=z9hG4bK1");
    headers.append("From", "<sip:a@b>;tag=1");
    headers.append("VIA", "SIP/2.0/UDP b;branch=z9hG4bK2");
    expect(headers.getAll("via")).toHaveLength(2);
    headers.set("Via", "SIP/2.0/UDP c;branch=z9hG4bK3");
    expect([...headers].map(([name]) => name)).toEqual(["Via", "From"]);
    headers.delete("f");
    expect(headers.has("From")).toBe(false);
  });

  it("copies Via (in order), From, To, Call-ID and CSeq (§8.2.6.2)", () => {
    const request = parseSipMessage(
      "INVITE sip:bob@biloxi.com SIP/2.0\r\nVia: SIP/2.0/UDP p1;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP p2;branch=z9hG4bK2\r\n" +
        "To: <sip:bob@biloxi.com>\r\nFrom: <sip:alice@atlanta.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\n" +
        "CSeq: 314159 INVITE\r\nTimestamp: 54\r\nContent-Length: 0\r\n\r\n",
    );
    if (request.kind !== "request") throw new Error("expected a request");
    const trying = createResponse(request, 100);
    expect([...trying.headers].map(([name]) => name)).toEqual([
      "Via",
      "Via",
      "From",
      "To",
      "Call-ID",
      "CSeq",
      "Timestamp",
    ]);
    expect(trying.reason).toBe("Trying");
    expect(createResponse(request, 486).headers.has("Timestamp")).toBe(false);
  });
});

describe("formatUriHost", () => {
  it("brackets an IPv6 address once (RFC 3261 §25.1 IPv6reference) and keeps names and IPv4", () => {
    expect(formatUriHost("::1")).toBe("[::1]");
    expect(formatUriHost("[2001:db8::1]")).toBe("[2001:db8::1]");
    expect(formatUriHost("192.0.2.1")).toBe("192.0.2.1");
    expect(formatUriHost("pbx.example.com")).toBe("pbx.example.com");
  });
});
