import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getAttribute, getAttributes } from "./get-attribute";
import { answerDirection, createAnswer, type AnswerCodec, type AnswerOptions } from "./create-answer";
import { mediaDirection } from "./media-direction";
import { parseSdp } from "./parse-sdp";
import { rtpMaps, selectedCodec } from "./rtp-maps";
import type { SdpOrigin } from "./sdp-types";
import { serializeSdp } from "./serialize-sdp";

const vector = (file: string) =>
  parseSdp(fs.readFileSync(path.join(import.meta.dirname, "__vectors__", file)));

const origin: SdpOrigin = {
  username: "forkline",
  sessionId: "1700000000",
  sessionVersion: "1",
  netType: "IN",
  addrType: "IP4",
  address: "192.0.2.10",
};
const PCMU: AnswerCodec = { encoding: "PCMU", clockRate: 8000 };
const PCMA: AnswerCodec = { encoding: "PCMA", clockRate: 8000 };
const DTMF: AnswerCodec = { encoding: "telephone-event", clockRate: 8000, fmtp: "0-15" };

const options = (overrides: Partial<AnswerOptions> = {}): AnswerOptions => ({
  origin,
  address: "192.0.2.10",
  ports: [20000, 20002, 20004],
  codecs: [PCMU, PCMA, DTMF],
  ...overrides,
});

describe("createAnswer (RFC 3264 §6)", () => {
  it("answers a SIPp PCMA offer with PT 8 and telephone-event 101 even when PCMU is preferred", () => {
    const offer = vector("sipp-pcma-offer.sdp");
    const answer = createAnswer(offer, options());
    const audio = answer.media[0]!;
    expect(audio.port).toBe(20000);
    expect(audio.formats).toEqual(["8", "101"]);
    expect(selectedCodec(audio)).toEqual({ payloadType: 8, encoding: "PCMA", clockRate: 8000 });
    expect(getAttributes(audio.attributes, "rtpmap")).toEqual(["8 PCMA/8000", "101 telephone-event/8000"]);
    expect(getAttribute(audio.attributes, "fmtp")).toBe("101 0-15");
    expect(mediaDirection(answer, audio)).toBe("sendrecv");
    expect(serializeSdp(answer)).toBe(
      [
        "v=0",
        "o=forkline 1700000000 1 IN IP4 192.0.2.10",
        "s=-",
        "c=IN IP4 192.0.2.10",
        "t=0 0",
        "m=audio 20000 RTP/AVP 8 101",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
        "a=sendrecv",
        "",
      ].join("\r\n"),
    );
  });

  it("echoes the offered fmtp when the codec has none of its own", () => {
    const answer = createAnswer(
      vector("sipp-pcma-offer.sdp"),
      options({ codecs: [PCMA, { encoding: "TELEPHONE-EVENT", clockRate: 8000 }] }),
    );
    expect(getAttribute(answer.media[0]!.attributes, "fmtp")).toBe("101 0-11,16");
  });

  it("keeps the offer's m= count and order, rejecting video with port 0 and the offered formats", () => {
    const offer = vector("rfc3264-10.1-offer.sdp");
    const answer = createAnswer(offer, options());
    expect(answer.media).toHaveLength(3);
    expect(answer.media.map((m) => [m.media, m.port, m.formats])).toEqual([
      ["audio", 20000, ["0"]],
      ["video", 0, ["31"]],
      ["video", 0, ["32"]],
    ]);
    expect(answer.media[1]!.attributes).toEqual([]);
    expect(answer.timings).toEqual(offer.timings);
  });

  it("rejects a stream whose port is undefined, or that was offered with port 0", () => {
    const offer = vector("rfc4317-2.2-answer.sdp");
    expect(createAnswer(offer, options({ ports: [undefined, 20002] })).media.map((m) => m.port)).toEqual([
      0, 0,
    ]);
    expect(
      createAnswer(offer, options({ codecs: [PCMU, { encoding: "H261", clockRate: 90000 }] })).media.map(
        (m) => m.port,
      ),
    ).toEqual([20000, 0]);
  });

  it("rejects a stream with no common codec, and one whose only common format is telephone-event", () => {
    const g729 = createAnswer(
      vector("sipp-pcma-offer.sdp"),
      options({ codecs: [PCMU, { encoding: "G729", clockRate: 8000 }] }),
    );
    expect(g729.media[0]).toMatchObject({ port: 0, formats: ["8", "101"], attributes: [] });
    const dtmfOnly = createAnswer(vector("sipp-pcma-offer.sdp"), options({ codecs: [PCMU, DTMF] }));
    expect(dtmfOnly.media[0]!.port).toBe(0);
  });

  it("answers a sendonly offer with recvonly (SIPREC: two labelled sendonly streams)", () => {
    const offer = vector("siprec-rfc7866-offer.sdp");
    const answer = createAnswer(offer, options({ ports: [30000, 30002] }));
    expect(answer.media.map((m) => [m.port, m.formats, mediaDirection(answer, m)])).toEqual([
      [30000, ["0", "8"], "recvonly"],
      [30002, ["0", "8"], "recvonly"],
    ]);
    expect(getAttribute(answer.media[0]!.attributes, "sendrecv")).toBeUndefined();
  });

  it("honours a session-level direction in the offer", () => {
    const offer = vector("rfc4566-5-example.sdp"); // a=recvonly at session level
    const answer = createAnswer(offer, options());
    expect(mediaDirection(answer, answer.media[0]!)).toBe("sendonly");
  });

  it("answers inactive with inactive, whatever the answerer wants", () => {
    const offer = parseSdp(
      "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\na=inactive\n",
    );
    const answer = createAnswer(offer, options({ direction: "sendrecv" }));
    expect(getAttribute(answer.media[0]!.attributes, "inactive")).toBe("");
  });

  it("combines the answerer's wish with the offer", () => {
    expect(answerDirection("sendrecv", "recvonly")).toBe("recvonly");
    expect(answerDirection("sendrecv", "sendrecv")).toBe("sendrecv");
    expect(answerDirection("sendonly", "sendrecv")).toBe("recvonly");
    expect(answerDirection("sendonly", "sendonly")).toBe("inactive");
    expect(answerDirection("recvonly", "sendrecv")).toBe("sendonly");
    expect(answerDirection("recvonly", "recvonly")).toBe("inactive");
    expect(answerDirection("inactive", "sendrecv")).toBe("inactive");
    expect(answerDirection("sendrecv", "inactive")).toBe("inactive");
  });

  it("keeps telephone-event with the offered PT 101 and copies a=ptime", () => {
    const offer = parseSdp(
      "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n" +
        "m=audio 4000 RTP/AVP 0 8 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\na=ptime:20\n",
    );
    const audio = createAnswer(
      offer,
      options({ codecs: [PCMA, PCMU, { encoding: "telephone-event", clockRate: 8000 }] }),
    ).media[0]!;
    expect(audio.formats).toEqual(["0", "8", "101"]);
    expect(getAttribute(audio.attributes, "fmtp")).toBe("101 0-16");
    expect(getAttribute(audio.attributes, "ptime")).toBe("20");
    expect(rtpMaps(audio).map((m) => m.payloadType)).toEqual([0, 8, 101]);
  });

  it("answers a Chrome offer: offered PTs, rtcp-mux echoed, extra ICE/DTLS attributes, IP6 c=", () => {
    const offer = vector("chrome-webrtc-audio-offer.sdp");
    const answer = createAnswer(
      offer,
      options({
        address: "2001:db8::10",
        codecs: [
          PCMA,
          { encoding: "opus", clockRate: 48000, channels: 2, fmtp: "minptime=10;useinbandfec=1" },
          { encoding: "telephone-event", clockRate: 8000 },
        ],
        extraMediaAttributes: (index, offered) => [
          { name: "mid", value: getAttribute(offered.attributes, "mid") ?? String(index) },
          { name: "ice-ufrag", value: "abcd" },
          { name: "setup", value: "passive" },
        ],
      }),
    );
    expect(answer.connection).toEqual({ netType: "IN", addrType: "IP6", address: "2001:db8::10" });
    const audio = answer.media[0]!;
    expect(audio.protocol).toBe("UDP/TLS/RTP/SAVPF");
    expect(audio.formats).toEqual(["111", "8", "126"]);
    expect(audio.attributes).toEqual([
      { name: "rtpmap", value: "111 opus/48000/2" },
      { name: "fmtp", value: "111 minptime=10;useinbandfec=1" },
      { name: "rtpmap", value: "8 PCMA/8000" },
      { name: "rtpmap", value: "126 telephone-event/8000" },
      { name: "rtcp-mux" },
      { name: "sendrecv" },
      { name: "mid", value: "0" },
      { name: "ice-ufrag", value: "abcd" },
      { name: "setup", value: "passive" },
    ]);
    expect(getAttribute(audio.attributes, "mid")).toBe("0");
    expect(selectedCodec(audio)).toEqual({
      payloadType: 111,
      encoding: "opus",
      clockRate: 48000,
      channels: 2,
    });
  });

  it("does not add rtcp-mux when it was not offered, and round-trips through the codec", () => {
    const answer = createAnswer(vector("rfc4317-2.1-offer.sdp"), options({ sessionName: "forkline" }));
    expect(getAttribute(answer.media[0]!.attributes, "rtcp-mux")).toBeUndefined();
    expect(answer.sessionName).toBe("forkline");
    const text = serializeSdp(answer);
    expect(serializeSdp(parseSdp(text))).toBe(text);
  });
});
