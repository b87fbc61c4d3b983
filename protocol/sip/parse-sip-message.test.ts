import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import { parseCSeq } from "./cseq";
import { parseNameAddr } from "./name-addr";
import { frameSipStream, parseSipMessage } from "./parse-sip-message";
import { serializeSipMessage } from "./serialize-sip-message";
import { SIP_LIMITS, type SipMessage } from "./sip-message";
import { splitHeaderValues, unquote } from "./sip-params";
import { formatSipUri } from "./sip-uri";
import { parseVia, parseViaList } from "./via";

const VECTORS = join(import.meta.dirname, "__vectors__");

/** RFC 4475 §2: the messages are printed with LF; on the wire every line ends in CRLF. */
function vector(path: string): Buffer {
  return Buffer.from(readFileSync(path, "utf8").replace(/\r?\n/g, "\r\n"), "utf8");
}

function request(message: SipMessage) {
  if (message.kind !== "request") throw new Error("expected a request");
  return message;
}

const valid = readdirSync(VECTORS).filter((name) => name.endsWith(".sip"));
const invalid = readdirSync(join(VECTORS, "invalid")).filter((name) => name.endsWith(".sip"));

describe("SIP vectors", () => {
  it.each(valid)("%s parses, round-trips and keeps its body intact", (name) => {
    const raw = vector(join(VECTORS, name));
    const message = parseSipMessage(raw);
    const length = message.headers.get("Content-Length");
    if (length !== undefined) expect(message.body.length).toBe(Number(length));
    const again = parseSipMessage(serializeSipMessage(message));
    expect(again.kind).toBe(message.kind);
    // Content-Length is rewritten from the body and goes last; every other row keeps its place.
    const withoutLength = (m: SipMessage) => [...m.headers].filter(([name]) => name !== "Content-Length");
    expect(withoutLength(again)).toEqual(withoutLength(message));
    expect(again.headers.get("Content-Length")).toBe(String(message.body.length));
    expect(again.body.equals(message.body)).toBe(true);
    if (again.kind === "request" && message.kind === "request") {
      expect(formatSipUri(again.uri)).toBe(formatSipUri(message.uri));
      expect(again.method).toBe(message.method);
    }
  });

  it.each(invalid)("%s is refused with a ProtocolParseError", (name) => {
    expect(() => parseSipMessage(vector(join(VECTORS, "invalid", name)))).toThrow(ProtocolParseError);
  });
});

describe("RFC 4475 3.1.1.1 short tortuous INVITE", () => {
  const message = request(parseSipMessage(vector(join(VECTORS, "rfc4475-3.1.1.1-wsinv.sip"))));

  it("reads the request line with an unknown URI parameter", () => {
    expect(message.method).toBe("INVITE");
    expect(message.uri.user).toBe("vivekg");
    expect(message.uri.host).toBe("chair-dnrc.example.com");
    expect(message.uri.params.get("unknownparam")).toBeNull();
  });

  it("unfolds and reads To/From with odd whitespace and escaped quotes", () => {
    const to = parseNameAddr(message.headers.get("To")!);
    expect(to.params.get("tag")).toBe("1918181833n");
    const from = parseNameAddr(message.headers.get("From")!);
    expect(from.displayName).toBe('J Rosenberg \\"');
    expect(from.params.get("tag")).toBe("98asjd8");
  });

  it("expands compact forms and reads every Via from separate and comma-joined rows", () => {
    const vias = message.headers.getAll("Via").flatMap(parseViaList);
    expect(vias.map((via) => [via.transport, via.host, via.params.get("branch")])).toEqual([
      ["UDP", "192.0.2.2", "390skdjuw"],
      ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    expect(vias[0]!.params.get("rport")).toBeNull();
    expect(message.headers.get("Subject")).toBe("");
  });

  it("keeps integer fields with leading zeros and unknown headers as they are", () => {
    expect(parseCSeq(message.headers.get("CSeq")!)).toEqual({ seq: 9, method: "INVITE" });
    expect(Number(message.headers.get("Max-Forwards"))).toBe(68);
    expect(message.headers.get("UnknownHeaderWithUnusualValue")).toBe(";;,,;;,;");
    expect(message.headers.get("NewFangledHeader")).toBe("newfangled value continued newfangled value");
  });

  it("reads the Contact with display name and q", () => {
    const contact = parseNameAddr(message.headers.get("Contact")!);
    expect(contact.displayName).toBe('Quoted string ""');
    expect(contact.params.get("newparam")).toBe("newvalue");
    expect(contact.params.get("secondparam")).toBeNull();
    expect(contact.params.get("q")).toBe("0.33");
    expect(message.body.toString()).toMatch(/^v=0\r\n/);
  });
});

describe("other RFC 4475 valid messages", () => {
  it("3.1.1.3: keeps %-escapes in user parts and URI parameters", () => {
    const message = request(parseSipMessage(vector(join(VECTORS, "rfc4475-3.1.1.3-esc01.sip"))));
    expect(message.uri.user).toBe("sips%3Auser%40example.com");
    const contact = parseNameAddr(message.headers.get("Contact")!);
    expect(contact.uri.params.get("n%61me")).toBe("v%61lue%25%34%31");
  });

  it("3.1.1.9: a user part with ;par=…", () => {
    const message = request(parseSipMessage(vector(join(VECTORS, "rfc4475-3.1.1.9-semiuri.sip"))));
    expect(message.uri.user).toBe("user;par=u%40example.net");
    expect(message.uri.host).toBe("example.com");
    expect(splitHeaderValues(message.headers.get("Accept")!)).toHaveLength(6);
  });

  it("3.1.1.6: a display name token glued to <", () => {
    const message = parseSipMessage(vector(join(VECTORS, "rfc4475-3.1.1.6-lwsdisp.sip")));
    expect(parseNameAddr(message.headers.get("From")!).displayName).toBe("caller");
  });

  it("3.1.1.12/13: UTF-8 and empty reason phrases", () => {
    const unusual = parseSipMessage(vector(join(VECTORS, "rfc4475-3.1.1.12-unreason.sip")));
    expect(unusual.kind === "response" && unusual.reason).toContain("простое");
    const empty = parseSipMessage(vector(join(VECTORS, "rfc4475-3.1.1.13-noreason.sip")));
    expect(empty.kind === "response" && empty.status).toBe(100);
  });

  it("a JsSIP REGISTER over WebSocket: quoted +sip.instance survives", () => {
    const message = parseSipMessage(vector(join(VECTORS, "jssip-register-ws.sip")));
    const contact = parseNameAddr(message.headers.get("Contact")!);
    expect(contact.uri.params.get("transport")).toBe("ws");
    expect(unquote(contact.params.get("+sip.instance")!)).toBe(
      "<urn:uuid:1a6c0b9e-8bd6-4b7e-9a6d-3e5f2d4c1b0a>",
    );
    expect(parseVia(message.headers.get("Via")!).transport).toBe("WSS");
  });
});

describe("refusals name the problem", () => {
  const cases: [string, RegExp][] = [
    ["rfc4475-3.1.2.2-clerr.sip", /Content-Length 9999 exceeds/],
    ["rfc4475-3.1.2.3-ncl.sip", /bad Content-Length/],
    ["rfc4475-3.1.2.4-scalar02.sip", /CSeq/],
    ["rfc4475-3.1.2.6-quotbal.sip", /display name|quoted/],
    ["rfc4475-3.1.2.9-lwsstart.sip", /malformed start line/],
    ["rfc4475-3.1.2.15-badvers.sip", /SIP\/7\.0/],
    ["rfc4475-3.1.2.16-mismatch01.sip", /does not match/],
    ["rfc4475-3.3.1-insuf.sip", /missing (From|To|Call-ID)/],
  ];
  it.each(cases)("%s", (name, reason) => {
    expect(() => parseSipMessage(vector(join(VECTORS, "invalid", name)))).toThrow(reason);
  });

  it("refuses a message above the size limit and a header line above its limit", () => {
    const big = `OPTIONS sip:a@b SIP/2.0\r\nX: ${"a".repeat(SIP_LIMITS.maxMessageBytes)}\r\n\r\n`;
    expect(() => parseSipMessage(big)).toThrow(/exceeds/);
    const line = `OPTIONS sip:a@b SIP/2.0\r\nX: ${"a".repeat(SIP_LIMITS.maxHeaderValueBytes)}\r\n\r\n`;
    expect(() => parseSipMessage(line)).toThrow(/header field line 2 exceeds/);
    const many = `OPTIONS sip:a@b SIP/2.0\r\n${"X: 1\r\n".repeat(SIP_LIMITS.maxHeaderFields + 1)}\r\n`;
    expect(() => parseSipMessage(many)).toThrow(/more than 256 header fields/);
  });
});

describe("frameSipStream", () => {
  const one = vector(join(VECTORS, "sipp-uac-invite.sip"));

  it("waits for the whole body, then cuts exactly one message", () => {
    expect(frameSipStream(one.subarray(0, 100))).toBeNull();
    expect(frameSipStream(one.subarray(0, one.length - 1))).toBeNull();
    const framed = frameSipStream(Buffer.concat([one, one]));
    expect(framed?.message.equals(one)).toBe(true);
    expect(framed?.rest.equals(one)).toBe(true);
  });

  it("requires Content-Length on a stream (RFC 3261 §18.3)", () => {
    const text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n\r\n";
    expect(() => frameSipStream(Buffer.from(text))).toThrow(/Content-Length is required/);
  });
});
