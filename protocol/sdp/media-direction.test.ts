import { describe, expect, it } from "vitest";
import { mediaDirection, reverseDirection, withDirection } from "./media-direction";
import { parseSdp } from "./parse-sdp";
import { serializeSdp } from "./serialize-sdp";

const HEAD = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n";

describe("mediaDirection (RFC 3264 §5.1)", () => {
  it("defaults to sendrecv", () => {
    const sdp = parseSdp(HEAD + "m=audio 4000 RTP/AVP 0\n");
    expect(mediaDirection(sdp, sdp.media[0]!)).toBe("sendrecv");
  });

  it("takes the session-level attribute when the media has none, the media-level one otherwise", () => {
    const sdp = parseSdp(
      HEAD.replace("t=0 0\n", "t=0 0\na=recvonly\n") +
        "m=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=inactive\n",
    );
    expect(mediaDirection(sdp, sdp.media[0]!)).toBe("recvonly");
    expect(mediaDirection(sdp, sdp.media[1]!)).toBe("inactive");
  });

  it("reads both SIPREC streams as sendonly", () => {
    const sdp = parseSdp(
      "v=0\no=SRC 1 1 IN IP4 198.51.100.1\ns=-\nc=IN IP4 198.51.100.1\nt=0 0\n" +
        "m=audio 12240 RTP/AVP 0 4 8\na=sendonly\na=label:1\nm=audio 12242 RTP/AVP 0 4 8\na=sendonly\na=label:2\n",
    );
    expect(sdp.media.map((m) => mediaDirection(sdp, m))).toEqual(["sendonly", "sendonly"]);
  });
});

describe("withDirection", () => {
  it("replaces the direction attribute in place and leaves the input untouched", () => {
    const sdp = parseSdp(HEAD + "m=audio 4000 RTP/AVP 0\na=ptime:20\na=sendrecv\na=label:1\na=sendonly\n");
    const media = sdp.media[0]!;
    const held = withDirection(media, "sendonly");
    expect(held.attributes).toEqual([
      { name: "ptime", value: "20" },
      { name: "sendonly" },
      { name: "label", value: "1" },
    ]);
    expect(media.attributes).toHaveLength(4);
    expect(held).not.toBe(media);
  });

  it("appends one when there was none", () => {
    const sdp = parseSdp(HEAD + "m=audio 4000 RTP/AVP 0\n");
    const media = withDirection(sdp.media[0]!, "inactive");
    expect(serializeSdp({ ...sdp, media: [media] })).toContain("m=audio 4000 RTP/AVP 0\r\na=inactive\r\n");
  });
});

describe("reverseDirection", () => {
  it("mirrors sendonly and recvonly, keeps sendrecv and inactive", () => {
    expect(reverseDirection("sendonly")).toBe("recvonly");
    expect(reverseDirection("recvonly")).toBe("sendonly");
    expect(reverseDirection("sendrecv")).toBe("sendrecv");
    expect(reverseDirection("inactive")).toBe("inactive");
  });
});
