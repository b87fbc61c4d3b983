import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import { mediaAddress } from "./media-address";
import { parseSdp } from "./parse-sdp";

const vector = (file: string) =>
  parseSdp(fs.readFileSync(path.join(import.meta.dirname, "__vectors__", file)));

describe("mediaAddress", () => {
  it("uses the session-level c= and RTP port + 1 for RTCP", () => {
    const sdp = vector("sipp-pcma-offer.sdp");
    expect(mediaAddress(sdp, sdp.media[0]!)).toEqual({
      address: "127.0.0.1",
      port: 6000,
      rtcpPort: 6001,
      rtcpMux: false,
    });
  });

  it("prefers the media-level c=", () => {
    const sdp = vector("rfc4317-4.1-second-offer.sdp");
    expect(mediaAddress(sdp, sdp.media[0]!).address).toBe("host.biloxi.example.com");
    expect(mediaAddress(sdp, sdp.media[1]!)).toMatchObject({
      address: "mediaserver.biloxi.example.com",
      port: 48282,
    });
  });

  it("reads RFC 3605 a=rtcp and RFC 5761 a=rtcp-mux", () => {
    const sdp = vector("chrome-webrtc-audio-offer.sdp");
    expect(mediaAddress(sdp, sdp.media[0]!)).toEqual({
      address: "203.0.113.7",
      port: 54321,
      rtcpPort: 9,
      rtcpMux: true,
    });
  });

  it("drops a multicast TTL suffix and reports the legacy 0.0.0.0 hold address as is", () => {
    const multicast = vector("rfc4566-5-example.sdp");
    expect(mediaAddress(multicast, multicast.media[0]!).address).toBe("224.2.17.12");
    const held = parseSdp(
      "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
    );
    expect(mediaAddress(held, held.media[0]!).address).toBe("0.0.0.0");
  });

  it("gives no RTCP port for a disabled stream", () => {
    const sdp = vector("rfc3264-10.1-answer.sdp");
    expect(mediaAddress(sdp, sdp.media[1]!)).toEqual({
      address: "host.example.com",
      port: 0,
      rtcpMux: false,
    });
  });

  it("refuses a stream with no c= anywhere and a malformed a=rtcp", () => {
    const none = parseSdp("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    expect(() => mediaAddress(none, none.media[0]!)).toThrow(ProtocolParseError);
    const bad = parseSdp(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtcp:x\n",
    );
    expect(() => mediaAddress(bad, bad.media[0]!)).toThrow(/malformed a=rtcp/);
  });
});
