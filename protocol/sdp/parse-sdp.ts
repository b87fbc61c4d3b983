import { ProtocolParseError } from "../protocol-parse-error";
import type {
  MediaDescription,
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpOrigin,
  SdpTiming,
  SessionDescription,
} from "./sdp-types";

/** Refusal limits: an SDP body larger than this is not a telephony offer but an attack. */
export const SDP_MAX_BYTES = 64 * 1024;
export const SDP_MAX_LINES = 1024;
export const SDP_MAX_MEDIA = 128;

const LINE = /^([a-z])=(.*)$/s;
const MEDIA_LINE = /^(\S+) (\d{1,5})(?:\/(\d{1,5}))? (\S+)((?: \S+)+)$/;
const BANDWIDTH = /^([^:\s]+):(\d{1,15})$/;

function fail(message: string): never {
  throw new ProtocolParseError("sdp", message);
}

function fields(value: string, count: number, what: string, lineNo: number): string[] {
  const parts = value.split(" ");
  if (parts.length !== count || parts.some((part) => part === "")) {
    fail(`line ${lineNo}: ${what} needs ${count} space-separated fields, got "${value.slice(0, 80)}"`);
  }
  return parts;
}

/** RFC 4566 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
function parseOrigin(value: string, lineNo: number): SdpOrigin {
  const [username, sessionId, sessionVersion, netType, addrType, address] = fields(value, 6, "o=", lineNo);
  return {
    username: username!,
    sessionId: sessionId!,
    sessionVersion: sessionVersion!,
    netType: netType!,
    addrType: addrType!,
    address: address!,
  };
}

/** RFC 4566 §5.7: c=<nettype> <addrtype> <connection-address> */
function parseConnection(value: string, lineNo: number): SdpConnection {
  const [netType, addrType, address] = fields(value, 3, "c=", lineNo);
  return { netType: netType!, addrType: addrType!, address: address! };
}

/** RFC 4566 §5.8: b=<bwtype>:<bandwidth> */
function parseBandwidth(value: string, lineNo: number): SdpBandwidth {
  const match = BANDWIDTH.exec(value);
  if (match === null) fail(`line ${lineNo}: malformed b= "${value.slice(0, 80)}"`);
  return { type: match[1]!, value: Number(match[2]) };
}

/** RFC 4566 §5.13: a=<attribute> / a=<attribute>:<value> */
function parseAttribute(value: string, lineNo: number): SdpAttribute {
  const colon = value.indexOf(":");
  const name = colon === -1 ? value : value.slice(0, colon);
  if (name === "") fail(`line ${lineNo}: a= without an attribute name`);
  return colon === -1 ? { name } : { name, value: value.slice(colon + 1) };
}

/** RFC 4566 §5.14: m=<media> <port>/<number of ports> <proto> <fmt> ... */
function parseMediaLine(value: string, lineNo: number): MediaDescription {
  const match = MEDIA_LINE.exec(value);
  if (match === null) fail(`line ${lineNo}: malformed m= "${value.slice(0, 80)}"`);
  const port = Number(match[2]);
  if (port > 65535) fail(`line ${lineNo}: m= port ${match[2]} is out of range 0..65535`);
  const media: MediaDescription = {
    media: match[1]!,
    port,
    protocol: match[4]!,
    formats: match[5]!.slice(1).split(" "),
    bandwidths: [],
    attributes: [],
  };
  if (match[3] !== undefined) {
    const portCount = Number(match[3]);
    if (portCount < 1) fail(`line ${lineNo}: m= number of ports must be at least 1`);
    media.portCount = portCount;
  }
  return media;
}

function splitLines(input: string | Buffer): string[] {
  const bytes = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.length;
  if (bytes > SDP_MAX_BYTES) fail(`session description of ${bytes} bytes exceeds ${SDP_MAX_BYTES}`);
  const text = typeof input === "string" ? input : input.toString("utf8");
  // RFC 4566 §5 (same words in RFC 8866 §5 with "line"): "The sequence CRLF (0x0d0a) is used to end
  // a record, although parsers SHOULD be tolerant and also accept records terminated with a single
  // newline character."
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length > SDP_MAX_LINES)
    fail(`session description has ${lines.length} lines, more than ${SDP_MAX_LINES}`);
  return lines;
}

/**
 * Parses an SDP session description. RFC 4566 §5: "An SDP session description consists of a number
 * of lines of text of the form: <type>=<value> where <type> MUST be exactly one case-significant
 * character and <value> is structured text whose format depends on <type>."
 *
 * Fields are accepted in any order and written back in RFC order by serializeSdp. RFC 8866 §5 says
 * "an SDP parser MUST completely ignore or reject any session description that contains a type
 * letter that it does not understand"; refusing a whole offer over one stray line helps nobody on a
 * live call, so unknown letters are skipped line by line instead. Attributes are kept verbatim:
 * "An SDP parser MUST ignore any attribute it doesn't understand." (RFC 8866 §5), and ignoring them
 * here means carrying them untouched (ICE, DTLS, BUNDLE, msid, ssrc…).
 */
export function parseSdp(input: string | Buffer): SessionDescription {
  const lines = splitLines(input);
  if (lines.length === 0) fail("empty session description");

  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  const sdp: Omit<SessionDescription, "version" | "origin" | "sessionName"> = {
    emails: [],
    phones: [],
    bandwidths: [],
    timings: [],
    attributes: [],
    media: [],
  };
  let media: MediaDescription | undefined;
  let timing: SdpTiming | undefined;

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const match = LINE.exec(line);
    if (match === null) fail(`line ${lineNo}: expected <type>=<value>, got "${line.slice(0, 80)}"`);
    const type = match[1]!;
    const value = match[2]!;

    // RFC 8866 §5.1: "The "v=" line (version-field) gives the version of the Session Description
    // Protocol. This memo defines version 0. There is no minor version number."
    if (lineNo === 1) {
      if (type !== "v") fail(`line 1: session description must start with v=, got "${line.slice(0, 80)}"`);
      if (value !== "0") fail(`line 1: unsupported SDP version "${value.slice(0, 20)}", only v=0 is defined`);
      version = 0;
      return;
    }

    if (media !== undefined) {
      switch (type) {
        case "m":
          break;
        case "i":
          if (media.title !== undefined) fail(`line ${lineNo}: repeated i= in media description`);
          media.title = value;
          return;
        case "c":
          if (media.connection !== undefined) fail(`line ${lineNo}: repeated c= in media description`);
          media.connection = parseConnection(value, lineNo);
          return;
        case "b":
          media.bandwidths.push(parseBandwidth(value, lineNo));
          return;
        case "k":
          media.key = value;
          return;
        case "a":
          media.attributes.push(parseAttribute(value, lineNo));
          return;
        case "v":
        case "o":
        case "s":
        case "u":
        case "e":
        case "p":
        case "t":
        case "r":
        case "z":
          fail(`line ${lineNo}: session-level ${type}= inside a media description`);
          break;
        default:
          return;
      }
    }

    switch (type) {
      case "v":
        fail(`line ${lineNo}: repeated v=`);
        break;
      case "o":
        if (origin !== undefined) fail(`line ${lineNo}: repeated o=`);
        origin = parseOrigin(value, lineNo);
        return;
      case "s":
        if (sessionName !== undefined) fail(`line ${lineNo}: repeated s=`);
        sessionName = value;
        return;
      case "i":
        if (sdp.information !== undefined) fail(`line ${lineNo}: repeated session-level i=`);
        sdp.information = value;
        return;
      case "u":
        if (sdp.uri !== undefined) fail(`line ${lineNo}: repeated u=`);
        sdp.uri = value;
        return;
      case "e":
        sdp.emails.push(value);
        return;
      case "p":
        sdp.phones.push(value);
        return;
      case "c":
        if (sdp.connection !== undefined) fail(`line ${lineNo}: repeated session-level c=`);
        sdp.connection = parseConnection(value, lineNo);
        return;
      case "b":
        sdp.bandwidths.push(parseBandwidth(value, lineNo));
        return;
      case "t": {
        const [start, stop] = fields(value, 2, "t=", lineNo);
        timing = { start: start!, stop: stop!, repeats: [] };
        sdp.timings.push(timing);
        return;
      }
      case "r":
        if (timing === undefined) fail(`line ${lineNo}: r= without a preceding t=`);
        timing.repeats.push(value);
        return;
      case "z":
        if (sdp.timeZones !== undefined) fail(`line ${lineNo}: repeated z=`);
        sdp.timeZones = value;
        return;
      case "k":
        if (sdp.key !== undefined) fail(`line ${lineNo}: repeated session-level k=`);
        sdp.key = value;
        return;
      case "a":
        sdp.attributes.push(parseAttribute(value, lineNo));
        return;
      case "m":
        if (sdp.media.length >= SDP_MAX_MEDIA) fail(`line ${lineNo}: more than ${SDP_MAX_MEDIA} m= lines`);
        media = parseMediaLine(value, lineNo);
        sdp.media.push(media);
        return;
      default:
        return;
    }
  });

  // RFC 4566 §5: "Some lines in each description are REQUIRED and some are OPTIONAL, but all MUST
  // appear in exactly the order given here"; v=, o=, s= and at least one t= are the required ones.
  // RFC 8866 §5.3: "There MUST be one and only one "s=" line per session description."
  if (version === undefined) fail("missing v= line");
  if (origin === undefined) fail("missing o= line");
  if (sessionName === undefined) fail("missing s= line");
  if (sdp.timings.length === 0) fail("missing t= line");
  return { version, origin, sessionName, ...sdp };
}
