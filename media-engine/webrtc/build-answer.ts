import { isIPv6 } from "node:net";
import { parseSdp, serializeSdp, type MediaDescription, type SessionDescription } from "../../protocol/sdp";
import type { PreparedOffer } from "./prepare-offer";
import { WebRtcNegotiationError } from "./web-rtc-negotiation-error";

export interface AnswerOrigin {
  sessionId: string;
  version: number;
}

/**
 * Turns werift's answer to the reduced offer into the answer to the browser's whole offer: one
 * m= section per offered one, in order, the rejected ones with port 0.
 */
export function buildAnswer(
  weriftAnswerSdp: string,
  prepared: PreparedOffer,
  publicAddress: string,
  origin: AnswerOrigin,
): string {
  const answer = parseSdp(weriftAnswerSdp);
  const audio = answer.media[0];
  if (!audio || audio.port === 0) throw new WebRtcNegotiationError("no usable audio in the answer");
  const media = prepared.offer.media.map((offered, index) =>
    index === prepared.audioIndex ? withDefaultCandidate(audio, publicAddress) : rejected(offered),
  );
  const result: SessionDescription = {
    ...answer,
    origin: { ...answer.origin, sessionId: origin.sessionId, sessionVersion: String(origin.version) },
    attributes: answer.attributes.filter((attr) => !isTrickleOption(attr)),
    media,
  };
  return serializeSdp(result);
}

/**
 * werift writes "m=audio 9" and "c=IN IP4 0.0.0.0" as a trickling browser does. Our candidates are
 * complete, so the m=/c= lines name the host candidate, which is also what a SIP element that
 * knows nothing of ICE (a B2BUA, a recorder) reads.
 */
function withDefaultCandidate(audio: MediaDescription, publicAddress: string): MediaDescription {
  let port = audio.port;
  for (const attr of audio.attributes) {
    if (attr.name !== "candidate" || attr.value === undefined) continue;
    const [, , transport, , address, candidatePort, , type] = attr.value.split(" ");
    if (transport?.toLowerCase() === "udp" && type === "host" && address === publicAddress) {
      port = Number(candidatePort);
      break;
    }
  }
  return {
    ...audio,
    port,
    connection: { netType: "IN", addrType: isIPv6(publicAddress) ? "IP6" : "IP4", address: publicAddress },
    // Trickle support tells the browser it may send candidates later; a SIP dialog has no way to
    // carry them to us.
    attributes: audio.attributes.filter((attr) => !isTrickleOption(attr)),
  };
}

/**
 * JSEP (RFC 8829) §5.3.1: "For each offered m= section, if any of the following conditions are
 * true, the corresponding m= section in the answer MUST be marked as rejected by setting the port
 * in the m= line to zero".
 */
function rejected(offered: MediaDescription): MediaDescription {
  const mid = offered.attributes.find((attr) => attr.name === "mid");
  return {
    media: offered.media,
    port: 0,
    protocol: offered.protocol,
    formats: offered.formats.slice(0, 1),
    connection: { netType: "IN", addrType: "IP4", address: "0.0.0.0" },
    bandwidths: [],
    attributes: mid ? [mid] : [],
  };
}

function isTrickleOption(attr: { name: string; value?: string }): boolean {
  return attr.name === "ice-options" && attr.value?.trim() === "trickle";
}
