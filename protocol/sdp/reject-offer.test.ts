import { describe, expect, it } from "vitest";
import { parseSdp } from "./parse-sdp";
import { rejectingAnswer } from "./reject-offer";
import { serializeSdp } from "./serialize-sdp";

const origin = {
  username: "-",
  sessionId: "1",
  sessionVersion: "1",
  netType: "IN",
  addrType: "IP4",
  address: "192.0.2.1",
};

describe("rejectingAnswer (RFC 3264 §6)", () => {
  it("answers every offered m= line in order, each with port 0 and one of its formats", () => {
    const offer = parseSdp(
      [
        "v=0",
        "o=phone 1 1 IN IP4 198.51.100.7",
        "s=-",
        "c=IN IP4 198.51.100.7",
        "t=0 0",
        "m=audio 4000 RTP/SAVP 8 101",
        "a=rtpmap:8 PCMA/8000",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
        "m=video 4002 RTP/AVP 96",
        "",
      ].join("\r\n"),
    );
    const text = serializeSdp(rejectingAnswer(offer, origin));
    const answer = parseSdp(text);
    expect(answer.media.map((m) => [m.media, m.port, m.protocol, m.formats])).toEqual([
      ["audio", 0, "RTP/SAVP", ["8"]],
      ["video", 0, "RTP/AVP", ["96"]],
    ]);
    // No key, no direction, nothing that would start media.
    expect(text).not.toMatch(/a=crypto|a=sendrecv/);
    expect(text).toContain("c=IN IP4 192.0.2.1");
  });
});
