import { describe, expect, it } from "vitest";
import { createBadRequest, malformedRequestAnswer, reasonPhraseFrom } from "./create-bad-request";
import { parseResponse } from "./test-support/sip-fixtures";

describe("malformedRequestAnswer", () => {
  const answer = (text: string | Buffer) =>
    malformedRequestAnswer(typeof text === "string" ? Buffer.from(text, "latin1") : text);

  it("answers a request start line, after leading CRLFs, with 400", () => {
    expect(answer("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n")?.status).toBe(400);
    expect(answer("\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\n")?.status).toBe(400);
    expect(answer("FOO-BAR sip:a@b SIP/2.0")?.status).toBe(400);
  });

  it("answers the torture cases that used to get nothing (RFC 4475 §3.1.2)", () => {
    // LWS in the Request-URI, a NUL in the method, garbage before the request line: 400.
    expect(
      answer("INVITE sip:user@example.com; lr SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"),
    ).toEqual({ status: 400 });
    expect(answer("INV\u0000ITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n")?.status).toBe(
      400,
    );
    expect(
      answer("%%garbage%%\r\nOPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"),
    ).toEqual({
      status: 400,
      reason: "Garbage before the request line",
    });
    // Another version: 505 (§21.5.26; RFC 4475 §3.1.2.15 "badvers").
    expect(answer("OPTIONS sip:t.watson@example.org SIP/7.0\r\nVia: SIP/7.0/UDP h\r\n")).toEqual({
      status: 505,
      reason: "SIP/7.0 Not Supported",
    });
  });

  it("never answers responses, ACKs, other protocols or bytes without a request", () => {
    expect(answer("SIP/2.0 200 OK\r\n")).toBeUndefined();
    expect(answer("GET / HTTP/1.1\r\n")).toBeUndefined();
    expect(answer("ACK sip:a@b SIP/2.0\r\nVia: x\r\n")).toBeUndefined();
    expect(answer("ACK sip:a b SIP/2.0\r\nVia: x\r\nCSeq: 1 ACK\r\n")).toBeUndefined();
    expect(answer("junk\r\nACK sip:a@b SIP/2.0\r\nVia: x\r\n")).toBeUndefined();
    expect(answer("junk\r\nOPTIONS sip:a@b SIP/2.0\r\n")).toBeUndefined();
    expect(answer(Buffer.from([0, 1, 2, 3]))).toBeUndefined();
  });
});

describe("reasonPhraseFrom", () => {
  it("drops the codec prefix and control characters, trims and shortens", () => {
    expect(reasonPhraseFrom("sip: Missing Call-ID header field  ")).toBe("Missing Call-ID header field");
    expect(reasonPhraseFrom("bad\r\nInjected: header")).toBe("bad Injected: header");
    expect(reasonPhraseFrom("x".repeat(300))).toHaveLength(120);
    expect(reasonPhraseFrom(" \t ")).toBe("Bad Request");
  });
});

describe("createBadRequest", () => {
  it("builds a 505 for another SIP version, with the request's Via", () => {
    const raw = Buffer.from(
      "OPTIONS sip:a@b SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK7\r\nCSeq: 1 OPTIONS\r\n\r\n",
    );
    const text = createBadRequest(raw, "SIP/7.0 Not Supported", "t1", 505).toString("latin1");
    expect(text.split("\r\n").slice(0, 3)).toEqual([
      "SIP/2.0 505 SIP/7.0 Not Supported",
      "Via: SIP/2.0/UDP h;branch=z9hG4bK7",
      "CSeq: 1 OPTIONS",
    ]);
  });

  it("copies Via, From, To (adding a tag), Call-ID and CSeq, compact forms included", () => {
    const raw = Buffer.from(
      [
        "OPTIONS sip:bob@192.0.2.20 SIP/2.0",
        "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa",
        "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKb",
        "f: <sip:alice@192.0.2.10>;tag=1",
        "t: <sip:bob@192.0.2.20>",
        "i: call-9",
        "CSeq: 7 OPTIONS",
        "Content-Length: banana",
        "",
        "",
      ].join("\r\n"),
    );
    const response = parseResponse(createBadRequest(raw, "sip: bad Content-Length", "srv1"));
    expect(response.status).toBe(400);
    expect(response.reason).toBe("bad Content-Length");
    expect(response.headers.getAll("Via")).toEqual([
      "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa",
      "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKb",
    ]);
    expect(response.headers.get("To")).toBe("<sip:bob@192.0.2.20>;tag=srv1");
    expect(response.headers.get("Call-ID")).toBe("call-9");
    expect(response.headers.get("CSeq")).toBe("7 OPTIONS");
  });

  it("still answers when header fields are missing", () => {
    const text = createBadRequest(
      Buffer.from("BYE sip:x SIP/2.0\r\n\r\n"),
      "Missing Call-ID",
      "t",
    ).toString();
    expect(text).toBe("SIP/2.0 400 Missing Call-ID\r\nContent-Length: 0\r\n\r\n");
  });
});
