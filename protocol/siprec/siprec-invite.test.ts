import { describe, expect, it } from "vitest";

import { SIPREC_OPTION_TAG, SRC_FEATURE_TAG, isSiprecInvite } from "./index";

const OK = {
  require: ["siprec"],
  contact: "<sip:2000@src.example.com>;+sip.src",
  contentType: "multipart/mixed;boundary=foobar",
};

describe("isSiprecInvite", () => {
  it("accepts the RFC 7866 example headers", () => {
    expect(SIPREC_OPTION_TAG).toBe("siprec");
    expect(SRC_FEATURE_TAG).toBe("+sip.src");
    expect(isSiprecInvite(OK)).toEqual({ ok: true });
  });

  it("accepts comma lists, case differences and other Contact parameters", () => {
    expect(
      isSiprecInvite({
        require: ["timer, SIPREC"],
        contact: '"SRC" <sip:src@10.0.0.1;transport=tcp>;expires=3600;+SIP.SRC;+sip.instance="<urn:uuid:1>"',
        contentType: 'Multipart/Mixed; boundary="x y"',
      }),
    ).toEqual({ ok: true });
    expect(isSiprecInvite({ ...OK, contact: "sip:src@10.0.0.1;+sip.src" })).toEqual({ ok: true });
  });

  it.each([
    ["no siprec in Require", { ...OK, require: ["timer"] }, /Require does not contain the "siprec"/],
    ["no Contact", { ...OK, contact: undefined }, /no Contact header/],
    [
      "Contact without +sip.src",
      { ...OK, contact: "<sip:src@10.0.0.1>" },
      /Contact does not carry the "\+sip.src" feature tag/,
    ],
    ["+sip.src only as a URI parameter", { ...OK, contact: "<sip:src@10.0.0.1;+sip.src>" }, /\+sip.src/],
    ["no Content-Type", { ...OK, contentType: undefined }, /no Content-Type/],
    ["SDP-only body", { ...OK, contentType: "application/sdp" }, /application\/sdp, not multipart/],
    ["multipart without boundary", { ...OK, contentType: "multipart/mixed" }, /no boundary/],
    ["malformed Content-Type", { ...OK, contentType: "multipart" }, /malformed/],
  ])("refuses %s, saying why", (_name, headers, reason) => {
    const result = isSiprecInvite(headers);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
