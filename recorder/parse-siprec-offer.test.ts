import { describe, expect, it } from "vitest";
import { parseSipUri, SipHeaders, type SipRequest } from "../protocol/sip";
import { SipError } from "../sip-core";
import { parseSiprecBody, parseSiprecInvite } from "./parse-siprec-offer";
import { offerSdp, siprecBody, twoPartyMetadata } from "./test-support/siprec-fixtures";

const STREAMS = [
  { label: "1", port: 40000, payloadType: 0, encoding: "PCMU" },
  { label: "2", port: 40002, payloadType: 8, encoding: "PCMA" },
];

function invite(
  options: { require?: string; contact?: string; body?: { contentType: string; body: Buffer } | null } = {},
): SipRequest {
  const headers = new SipHeaders();
  headers.append("Call-ID", "c1");
  if (options.require !== "") headers.append("Require", options.require ?? "siprec");
  headers.append("Contact", options.contact ?? "<sip:src@127.0.0.1:5070>;+sip.src");
  const body =
    options.body === undefined
      ? siprecBody(offerSdp(STREAMS, "sendonly"), twoPartyMetadata(["1", "2"]))
      : options.body;
  if (body !== null) headers.append("Content-Type", body.contentType);
  return {
    kind: "request",
    method: "INVITE",
    uri: parseSipUri("sip:recorder@127.0.0.1"),
    headers,
    body: body?.body ?? Buffer.alloc(0),
  };
}

function refusal(request: SipRequest): SipError {
  try {
    parseSiprecInvite(request);
  } catch (error) {
    if (error instanceof SipError) return error;
    throw error;
  }
  throw new Error("the INVITE was accepted");
}

describe("parseSiprecInvite", () => {
  it("accepts a SIPREC INVITE and returns streams and metadata", () => {
    const offer = parseSiprecInvite(invite());
    expect(offer.streams.map((s) => [s.label, s.direction, [...s.payloadTypes]])).toEqual([
      ["1", "sendonly", [[0, "PCMU"]]],
      ["2", "sendonly", [[8, "PCMA"]]],
    ]);
    expect(offer.metadata?.participants.map((p) => p.aor)).toEqual([
      "sip:alice@example.com",
      "sip:bob@example.net",
    ]);
    expect(offer.metadataXml).toContain("<recording");
  });

  it("refuses a plain INVITE (no Require: siprec) with 403 saying it is not a SIPREC session", () => {
    const error = refusal(invite({ require: "" }));
    expect(error.status).toBe(403);
    expect(error.reason).toMatch(/^Not a SIPREC session: Require does not contain the "siprec"/);
  });

  it("refuses a Contact without +sip.src with 403", () => {
    const error = refusal(invite({ contact: "<sip:src@127.0.0.1:5070>" }));
    expect(error.status).toBe(403);
    expect(error.reason).toMatch(/\+sip\.src/);
  });

  it("answers 420 with Unsupported for an option tag it does not know", () => {
    const error = refusal(invite({ require: "siprec, foo" }));
    expect(error.status).toBe(420);
    expect(error.headers).toEqual({ Unsupported: "foo" });
  });

  it("refuses a bare SDP body with 415 and Accept", () => {
    const error = refusal(invite({ body: siprecBody(offerSdp(STREAMS, "sendonly"), undefined) }));
    expect(error.status).toBe(415);
    expect(error.headers?.Accept).toContain("multipart/mixed");
  });

  it("refuses a multipart body without metadata, with malformed SDP or with malformed metadata with 400", () => {
    const boundary = "b1";
    const multipart = (parts: string[]) => ({
      contentType: `multipart/mixed;boundary=${boundary}`,
      body: Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`),
    });
    const sdpPart = `Content-Type: application/sdp\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\na=sendonly\r\n`;
    const noMetadata = refusal(invite({ body: multipart([sdpPart]) }));
    expect([noMetadata.status, noMetadata.reason]).toEqual([
      400,
      "The multipart body has no application/rs-metadata+xml part",
    ]);

    const badSdp = refusal(
      invite({
        body: multipart([
          "Content-Type: application/sdp\r\n\r\nnot sdp",
          "Content-Type: application/rs-metadata+xml\r\n\r\n<x/>",
        ]),
      }),
    );
    expect(badSdp.status).toBe(400);
    expect(badSdp.reason).toMatch(/^Malformed SDP: /);

    const badMetadata = refusal(
      invite({ body: multipart([sdpPart, "Content-Type: application/rs-metadata+xml\r\n\r\n<recording"]) }),
    );
    expect(badMetadata.status).toBe(400);
    expect(badMetadata.reason).toMatch(/^Malformed recording metadata: /);
    expect(badMetadata.reason).not.toMatch(/[\r\n]/);
  });

  it("refuses an m-line without a=label and duplicate labels", () => {
    const noLabel = offerSdp(STREAMS, "sendonly");
    noLabel.media[1]!.attributes = noLabel.media[1]!.attributes.filter((a) => a.name !== "label");
    expect(refusal(invite({ body: siprecBody(noLabel, twoPartyMetadata(["1", "2"])) })).reason).toBe(
      "m-line 2 (audio) has no a=label",
    );
    const same = offerSdp([STREAMS[0]!, { ...STREAMS[1]!, label: "1" }], "sendonly");
    expect(refusal(invite({ body: siprecBody(same, twoPartyMetadata(["1", "2"])) })).status).toBe(400);
  });

  it("records only G.711: other codecs get no payload types (rejected with port 0 in the answer)", () => {
    const sdp = offerSdp(
      [STREAMS[0]!, { label: "2", port: 40002, payloadType: 18, encoding: "G729" }],
      "sendonly",
    );
    const offer = parseSiprecInvite(invite({ body: siprecBody(sdp, twoPartyMetadata(["1", "2"])) }));
    expect(offer.streams.map((s) => s.payloadTypes.size)).toEqual([1, 0]);
  });
});

describe("parseSiprecBody (re-INVITE)", () => {
  it("takes a bare SDP offer without metadata", () => {
    const { body, contentType } = siprecBody(offerSdp(STREAMS, "inactive", 2), undefined);
    const offer = parseSiprecBody(body, contentType, false);
    expect(offer.metadata).toBeUndefined();
    expect(offer.streams.map((s) => s.direction)).toEqual(["inactive", "inactive"]);
  });
});
