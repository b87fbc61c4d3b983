import { describe, expect, it } from "vitest";
import { createBadRequest, reasonPhraseFrom, requestMethodOf } from "./create-bad-request";
import { parseResponse } from "./test-support/sip-fixtures";

describe("requestMethodOf", () => {
  it("recognises a request start line, after leading CRLFs", () => {
    expect(requestMethodOf(Buffer.from("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n"))).toBe("INVITE");
    expect(requestMethodOf(Buffer.from("\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\n"))).toBe("OPTIONS");
    expect(requestMethodOf(Buffer.from("FOO-BAR sip:a@b SIP/2.0"))).toBe("FOO-BAR");
  });

  it("does not take responses, other versions or garbage for requests", () => {
    expect(requestMethodOf(Buffer.from("SIP/2.0 200 OK\r\n"))).toBeUndefined();
    expect(requestMethodOf(Buffer.from("GET / HTTP/1.1\r\n"))).toBeUndefined();
    expect(requestMethodOf(Buffer.from("INVITE sip:a@b SIP/3.0\r\n"))).toBeUndefined();
    expect(requestMethodOf(Buffer.from([0, 1, 2, 3]))).toBeUndefined();
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
