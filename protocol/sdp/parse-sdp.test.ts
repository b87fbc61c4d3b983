import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import { getAttribute, getAttributes } from "./get-attribute";
import { parseSdp, SDP_MAX_BYTES, SDP_MAX_LINES, SDP_MAX_MEDIA } from "./parse-sdp";
import { serializeSdp } from "./serialize-sdp";

const vectors = path.join(import.meta.dirname, "__vectors__");
const read = (file: string) => fs.readFileSync(path.join(vectors, file), "utf8");
const validFiles = fs.readdirSync(vectors).filter((file) => file.endsWith(".sdp"));
const invalidFiles = fs.readdirSync(path.join(vectors, "invalid")).filter((file) => file.endsWith(".sdp"));
const crlf = (text: string) => text.replace(/\r?\n/g, "\r\n");

function refusal(input: string | Buffer): ProtocolParseError {
  try {
    parseSdp(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolParseError);
    const parseError = error as ProtocolParseError;
    expect(parseError.protocol).toBe("sdp");
    return parseError;
  }
  throw new Error("expected parseSdp to refuse the input");
}

describe("round trip of real session descriptions", () => {
  it("has vectors to check", () => {
    expect(validFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(validFiles)("%s: serializeSdp(parseSdp(x)) is x with CRLF line endings", (file) => {
    const raw = read(file);
    expect(serializeSdp(parseSdp(raw))).toBe(crlf(raw));
    expect(serializeSdp(parseSdp(Buffer.from(raw, "utf8")))).toBe(crlf(raw));
  });

  it("accepts LF-only line endings and writes CRLF", () => {
    const raw = read("sipp-pcma-offer.sdp");
    expect(raw).not.toContain("\r");
    const out = serializeSdp(parseSdp(raw));
    expect(out.split("\r\n").length).toBe(raw.split("\n").length);
    expect(out.replace(/\r\n/g, "")).not.toContain("\n");
  });
});

describe("parsed fields", () => {
  it("reads every RFC 4566 §5 session field of the seminar example", () => {
    const sdp = parseSdp(read("rfc4566-5-example.sdp"));
    expect(sdp.version).toBe(0);
    expect(sdp.origin).toEqual({
      username: "jdoe",
      sessionId: "2890844526",
      sessionVersion: "2890842807",
      netType: "IN",
      addrType: "IP4",
      address: "10.47.16.5",
    });
    expect(sdp.sessionName).toBe("SDP Seminar");
    expect(sdp.information).toBe("A Seminar on the session description protocol");
    expect(sdp.uri).toBe("http://www.example.com/seminars/sdp.pdf");
    expect(sdp.emails).toEqual(["j.doe@example.com (Jane Doe)"]);
    expect(sdp.connection).toEqual({ netType: "IN", addrType: "IP4", address: "224.2.17.12/127" });
    expect(sdp.timings).toEqual([{ start: "2873397496", stop: "2873404696", repeats: [] }]);
    expect(sdp.attributes).toEqual([{ name: "recvonly" }]);
    expect(sdp.media.map((m) => [m.media, m.port, m.protocol, m.formats])).toEqual([
      ["audio", 49170, "RTP/AVP", ["0"]],
      ["video", 51372, "RTP/AVP", ["99"]],
    ]);
    expect(sdp.media[1]!.attributes).toEqual([{ name: "rtpmap", value: "99 h263-1998/90000" }]);
  });

  it("reads repeat times, time zones, bandwidths, port counts and media-level i=/c=/b=", () => {
    const sdp = parseSdp(read("rfc8866-5-schedule.sdp"));
    expect(sdp.phones).toEqual(["+1 617 555-6011"]);
    expect(sdp.bandwidths).toEqual([{ type: "CT", value: 128 }]);
    expect(sdp.timings).toEqual([
      { start: "3724394400", stop: "3730536000", repeats: ["604800 3600 0 90000"] },
      { start: "3724484400", stop: "3724488000", repeats: [] },
    ]);
    expect(sdp.timeZones).toBe("3730928400 -1h 3749680800 0");
    const video = sdp.media[2]!;
    expect(video.port).toBe(51372);
    expect(video.portCount).toBe(2);
    expect(video.title).toBe("slides");
    expect(video.connection).toEqual({ netType: "IN", addrType: "IP6", address: "2001:db8::2" });
    expect(video.bandwidths).toEqual([{ type: "AS", value: 256 }]);
  });

  it("keeps WebRTC attributes verbatim and in order", () => {
    const sdp = parseSdp(read("chrome-webrtc-audio-offer.sdp"));
    expect(getAttribute(sdp.attributes, "group")).toBe("BUNDLE 0");
    expect(getAttribute(sdp.attributes, "msid-semantic")).toBe(" WMS 3c6d7f2e-4b1a-4d0e-9f6b-2a8e5c1d7b90");
    const audio = sdp.media[0]!;
    expect(getAttribute(audio.attributes, "ice-ufrag")).toBe("Fq3v");
    expect(getAttribute(audio.attributes, "fingerprint")).toMatch(/^sha-256 7B:8B:/);
    expect(getAttribute(audio.attributes, "setup")).toBe("actpass");
    expect(getAttribute(audio.attributes, "rtcp-mux")).toBe("");
    expect(getAttribute(audio.attributes, "nonexistent")).toBeUndefined();
    expect(getAttributes(audio.attributes, "candidate")).toHaveLength(3);
    expect(getAttributes(audio.attributes, "ssrc")).toHaveLength(2);
    expect(audio.attributes[0]).toEqual({ name: "rtcp", value: "9 IN IP4 0.0.0.0" });
  });

  it("distinguishes a=name from a=name: (empty value)", () => {
    const sdp = parseSdp("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\na=flag\na=empty:\n");
    expect(sdp.attributes).toEqual([{ name: "flag" }, { name: "empty", value: "" }]);
    expect(serializeSdp(sdp)).toContain("a=flag\r\na=empty:\r\n");
  });

  it("skips unknown type letters instead of refusing the description", () => {
    const sdp = parseSdp(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\ny=whatever\nm=audio 4000 RTP/AVP 0\nx=1\n",
    );
    expect(sdp.media).toHaveLength(1);
    expect(sdp.media[0]!.attributes).toEqual([]);
  });

  it("writes fields in RFC 4566 order whatever order they were read in", () => {
    const sdp = parseSdp("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nc=IN IP4 192.0.2.1\na=x\nb=AS:64\n");
    expect(serializeSdp(sdp)).toBe(
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nb=AS:64\r\nt=0 0\r\na=x\r\n",
    );
  });
});

describe("refusals", () => {
  const expected: Record<string, RegExp> = {
    "missing-v.sdp": /line 1: .*must start with v=/,
    "v-1.sdp": /line 1: unsupported SDP version "1"/,
    "m-port-out-of-range.sdp": /line 6: m= port 70000 is out of range/,
    "m-port-not-numeric.sdp": /line 6: malformed m=/,
    "m-without-formats.sdp": /line 6: malformed m=/,
    "missing-o.sdp": /missing o= line/,
    "missing-s.sdp": /missing s= line/,
    "missing-t.sdp": /missing t= line/,
    "line-without-equals.sdp": /line 7: expected <type>=<value>/,
    "uppercase-type.sdp": /line 6: expected <type>=<value>/,
    "o-five-fields.sdp": /line 2: o= needs 6/,
    "b-not-numeric.sdp": /line 5: malformed b=/,
  };

  it("has one expectation per invalid vector", () => {
    expect(invalidFiles.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(invalidFiles)("%s is refused with a ProtocolParseError naming the problem", (file) => {
    const error = refusal(read(path.join("invalid", file)));
    expect(error.message).toMatch(/^sdp: /);
    expect(error.message).toMatch(expected[file]!);
  });

  it("refuses an empty body", () => {
    expect(refusal("").message).toMatch(/empty session description/);
    expect(refusal("\r\n").message).toMatch(/empty session description/);
  });

  it("refuses an empty line in the middle", () => {
    expect(refusal("v=0\no=- 1 1 IN IP4 192.0.2.1\n\ns=-\nt=0 0\n").message).toMatch(/line 3: expected/);
  });

  it("refuses repeated v=, o= and s=", () => {
    const base = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0"];
    expect(refusal([...base, "v=0", ""].join("\n")).message).toMatch(/line 5: repeated v=/);
    expect(refusal([...base, "o=- 1 1 IN IP4 192.0.2.1", ""].join("\n")).message).toMatch(/repeated o=/);
    expect(refusal([...base, "s=again", ""].join("\n")).message).toMatch(/repeated s=/);
  });

  it("refuses session-level lines inside a media description and r= before t=", () => {
    const head = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n";
    expect(refusal(head + "t=0 0\n").message).toMatch(/line 6: session-level t= inside a media/);
    expect(refusal("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nr=1 1 0\nt=0 0\n").message).toMatch(
      /line 4: r= without a preceding t=/,
    );
  });

  it(`refuses more than ${SDP_MAX_MEDIA} m= lines`, () => {
    const head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n";
    const media = (n: number) =>
      Array.from({ length: n }, (_, i) => `m=audio ${4000 + 2 * i} RTP/AVP 0\r\n`).join("");
    expect(parseSdp(head + media(SDP_MAX_MEDIA)).media).toHaveLength(SDP_MAX_MEDIA);
    expect(refusal(head + media(SDP_MAX_MEDIA + 1)).message).toMatch(
      new RegExp(`line ${5 + SDP_MAX_MEDIA + 1}: more than ${SDP_MAX_MEDIA} m= lines`),
    );
  });

  it(`refuses more than ${SDP_MAX_LINES} lines`, () => {
    const head = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n";
    const attrs = (n: number) => "a=x\n".repeat(n);
    expect(parseSdp(head + attrs(SDP_MAX_LINES - 4)).attributes).toHaveLength(SDP_MAX_LINES - 4);
    expect(refusal(head + attrs(SDP_MAX_LINES - 3)).message).toMatch(/more than 1024/);
  });

  it(`refuses more than ${SDP_MAX_BYTES} bytes, as string or Buffer`, () => {
    const body = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\na=" + "x".repeat(SDP_MAX_BYTES) + "\n";
    expect(refusal(body).message).toMatch(/exceeds 65536/);
    expect(refusal(Buffer.from(body)).message).toMatch(/exceeds 65536/);
  });
});
