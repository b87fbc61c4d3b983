import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { getAttribute, getAttributes, parseSdp, rtpMaps } from "../../protocol/sdp";
import { prepareOffer } from "./prepare-offer";
import { WebRtcEndpoint } from "./web-rtc-endpoint";
import { WebRtcNegotiationError } from "./web-rtc-negotiation-error";

const CHROME_OFFER = readFileSync(
  new URL("../../protocol/sdp/__vectors__/chrome-webrtc-audio-offer.sdp", import.meta.url),
  "utf8",
);

/** Chrome's offer with a camera and a data channel added to the BUNDLE group. */
const CHROME_OFFER_WITH_VIDEO_AND_DATA = CHROME_OFFER.replace(
  "a=group:BUNDLE 0",
  "a=group:BUNDLE 0 1 2",
).concat(
  [
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
    "c=IN IP4 0.0.0.0",
    "a=mid:1",
    "a=rtcp-mux",
    "a=rtpmap:96 VP8/90000",
    "a=rtpmap:97 rtx/90000",
    "a=fmtp:97 apt=96",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    "a=mid:2",
    "a=sctp-port:5000",
    "",
  ].join("\r\n"),
);

const endpoints: WebRtcEndpoint[] = [];
afterEach(() => {
  for (const endpoint of endpoints.splice(0)) endpoint.close();
});

async function answer(offer: string, preferCodec?: string): Promise<string> {
  const endpoint = await WebRtcEndpoint.create({
    bindHost: "127.0.0.1",
    publicAddress: "127.0.0.1",
    inactivityTimeoutMs: 0,
  });
  endpoints.push(endpoint);
  return (await endpoint.acceptOffer(offer, { preferCodec })).answerSdp;
}

describe("WebRtcEndpoint.acceptOffer on Chrome's offer", () => {
  it("answers G.711 with everything a browser needs and no trickle", async () => {
    const sdp = parseSdp(await answer(CHROME_OFFER));
    expect(sdp.attributes).toContainEqual({ name: "group", value: "BUNDLE 0" });
    expect(sdp.media).toHaveLength(1);
    const audio = sdp.media[0]!;
    expect(audio.protocol).toBe("UDP/TLS/RTP/SAVPF");
    // PCMU comes before PCMA in Chrome's order; the 8 kHz telephone-event, not the 48 kHz one.
    expect(rtpMaps(audio)).toEqual([
      { payloadType: 0, encoding: "PCMU", clockRate: 8000 },
      { payloadType: 126, encoding: "telephone-event", clockRate: 8000 },
    ]);
    const attr = (name: string): string | undefined => getAttribute(audio.attributes, name);
    expect(attr("mid")).toBe("0");
    expect(attr("rtcp-mux")).toBe("");
    expect(attr("ice-ufrag")).toMatch(/^\S{4,}$/);
    expect(attr("ice-pwd")!.length).toBeGreaterThanOrEqual(22);
    expect(attr("fingerprint")).toMatch(/^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // The offer said actpass, so the answer picks a role.
    expect(["active", "passive"]).toContain(attr("setup"));
    expect(attr("end-of-candidates")).toBe("");
    expect(attr("sendrecv")).toBe("");
    expect(getAttributes(audio.attributes, "ice-options")).not.toContain("trickle");
    expect(getAttributes(sdp.attributes, "ice-options")).not.toContain("trickle");
    expect(getAttributes(audio.attributes, "extmap")).toEqual([]);
    const candidates = getAttributes(audio.attributes, "candidate");
    expect(candidates).toHaveLength(1);
    const [, component, transport, , address, port, , type] = candidates[0]!.split(" ");
    expect({ component, transport: transport!.toLowerCase(), address, type }).toEqual({
      component: "1",
      transport: "udp",
      address: "127.0.0.1",
      type: "host",
    });
    // The default candidate is written in m= and c= too.
    expect(audio.port).toBe(Number(port));
    expect(audio.connection).toEqual({ netType: "IN", addrType: "IP4", address: "127.0.0.1" });
    expect(getAttribute(audio.attributes, "ssrc")).toMatch(/^\d+ cname:/);
  });

  it("honours preferCodec", async () => {
    const audio = parseSdp(await answer(CHROME_OFFER, "PCMA/8000")).media[0]!;
    expect(audio.formats).toEqual(["8", "126"]);
  });

  it("rejects video and data channel m= sections with port 0 and leaves them out of BUNDLE", async () => {
    const sdp = parseSdp(await answer(CHROME_OFFER_WITH_VIDEO_AND_DATA));
    expect(sdp.media.map((m) => [m.media, m.port === 0, getAttribute(m.attributes, "mid")])).toEqual([
      ["audio", false, "0"],
      ["video", true, "1"],
      ["application", true, "2"],
    ]);
    expect(sdp.media[2]!.protocol).toBe("UDP/DTLS/SCTP");
    expect(sdp.attributes).toContainEqual({ name: "group", value: "BUNDLE 0" });
  });
});

describe("prepareOffer", () => {
  const rejects = (sdp: string, pattern: RegExp): void => {
    expect(() => prepareOffer(sdp)).toThrow(WebRtcNegotiationError);
    expect(() => prepareOffer(sdp)).toThrow(pattern);
  };

  it("keeps only the chosen codec and the 8 kHz telephone-event for werift", () => {
    const prepared = prepareOffer(CHROME_OFFER);
    expect(prepared).toMatchObject({
      audioIndex: 0,
      mid: "0",
      codec: { payloadType: 0, encoding: "PCMU", clockRate: 8000 },
      telephoneEventPayloadType: 126,
      direction: "sendrecv",
      iceUfrag: "Fq3v",
    });
    const reduced = parseSdp(prepared.reducedSdp);
    expect(reduced.media).toHaveLength(1);
    expect(reduced.media[0]!.formats).toEqual(["0", "126"]);
    expect(getAttributes(reduced.media[0]!.attributes, "rtpmap")).toEqual([
      "0 PCMU/8000",
      "126 telephone-event/8000",
    ]);
    expect(getAttributes(reduced.media[0]!.attributes, "fmtp")).toEqual([]);
  });

  it("rejects an unusable offer", () => {
    rejects("not sdp", /unparsable/);
    rejects(CHROME_OFFER.replace(/^m=audio .*$/m, "m=audio 54321 UDP/TLS/RTP/SAVPF 111"), /G\.711/);
    rejects(CHROME_OFFER.replace(/^a=fingerprint:.*\r?\n/m, ""), /fingerprint/);
    rejects(CHROME_OFFER.replace(/^a=ice-pwd:.*\r?\n/m, ""), /ICE/);
    rejects(CHROME_OFFER.replace(/^a=rtcp-mux\r?\n/m, ""), /rtcp-mux/);
    rejects(CHROME_OFFER.replace("UDP/TLS/RTP/SAVPF", "RTP/AVP"), /DTLS-SRTP/);
    rejects(CHROME_OFFER.replace(/^m=audio \d+/m, "m=audio 0"), /no audio/);
    expect(() => prepareOffer(CHROME_OFFER, { preferCodec: "G729/8000" })).toThrow(/G729/);
  });

  it("takes ICE and DTLS attributes from the session level too (Firefox style)", () => {
    const firefox = CHROME_OFFER.replace(/^(a=fingerprint:.*)\r?\n/m, "").replace(
      "t=0 0\r\n",
      `t=0 0\r\n${/^a=fingerprint:.*$/m.exec(CHROME_OFFER)![0]}\r\n`,
    );
    const reduced = parseSdp(prepareOffer(firefox).reducedSdp);
    expect(getAttribute(reduced.media[0]!.attributes, "fingerprint")).toMatch(/^sha-256 7B:8B/);
    expect(getAttribute(reduced.attributes, "fingerprint")).toBeUndefined();
  });
});
