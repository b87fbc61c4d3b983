import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSdp } from "./parse-sdp";
import { formatRtpMap, parseRtpMap, rtpMaps, selectedCodec } from "./rtp-maps";

const vector = (file: string) =>
  parseSdp(fs.readFileSync(path.join(import.meta.dirname, "__vectors__", file)));

describe("rtpMaps", () => {
  it("lists a Chrome offer's codecs in m= order with channels", () => {
    const maps = rtpMaps(vector("chrome-webrtc-audio-offer.sdp").media[0]!);
    expect(maps.map(formatRtpMap)).toEqual([
      "111 opus/48000/2",
      "63 red/48000/2",
      "9 G722/8000",
      "0 PCMU/8000",
      "8 PCMA/8000",
      "13 CN/8000",
      "110 telephone-event/48000",
      "126 telephone-event/8000",
    ]);
    expect(maps[0]).toEqual({ payloadType: 111, encoding: "opus", clockRate: 48000, channels: 2 });
  });

  it("fills in static payload types 0, 8, 9 and 18 listed without a=rtpmap", () => {
    const sdp = parseSdp("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 18 9 8 0 4 101\n");
    expect(rtpMaps(sdp.media[0]!)).toEqual([
      { payloadType: 18, encoding: "G729", clockRate: 8000 },
      { payloadType: 9, encoding: "G722", clockRate: 8000 },
      { payloadType: 8, encoding: "PCMA", clockRate: 8000 },
      { payloadType: 0, encoding: "PCMU", clockRate: 8000 },
    ]);
  });

  it("ignores non-RTP formats and malformed rtpmap values", () => {
    const sdp = parseSdp(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n" +
        "m=audio 4000 RTP/AVP 96 97\na=rtpmap:96 nonsense\na=rtpmap:97 L16/16000/2\n",
    );
    expect(rtpMaps(sdp.media[0]!)).toEqual([]);
    expect(rtpMaps(sdp.media[1]!)).toEqual([
      { payloadType: 97, encoding: "L16", clockRate: 16000, channels: 2 },
    ]);
    expect(parseRtpMap("200 PCMU/8000")).toBeUndefined();
  });
});

describe("selectedCodec", () => {
  it("is the first format that is not telephone-event", () => {
    const sdp = parseSdp(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 101 8\na=rtpmap:101 telephone-event/8000\n",
    );
    expect(selectedCodec(sdp.media[0]!)).toEqual({ payloadType: 8, encoding: "PCMA", clockRate: 8000 });
    expect(selectedCodec(vector("rfc4317-2.4-offer.sdp").media[1]!)).toBeUndefined();
  });
});
