/**
 * RFC 7865 recording metadata (`application/rs-metadata+xml`), the XML document a Session
 * Recording Client sends beside the SDP in a SIPREC INVITE (RFC 7866).
 *
 * Element and attribute names follow the RFC 7865 schema (namespace
 * `urn:ietf:params:xml:ns:recording:1`): `<recording>` holding `<datamode>`, `<group group_id>`,
 * `<session session_id>` (`<sipSessionID>`, `<group-ref>`, `<start-time>`),
 * `<participant participant_id>` (`<nameID aor>` with `<name>`), `<stream stream_id session_id>`
 * (`<label>`), `<sessionrecordingassoc>`, `<participantsessionassoc>` and
 * `<participantstreamassoc participant_id>` (`<send>` / `<recv>`). This is the shape of the
 * complete metadata example of RFC 7865 §8.1 and of the RFC 7866 example INVITE, both kept in
 * `__vectors__/`.
 *
 * Our own data (recording id, free parameters, agent/customer roles) travels as extension
 * elements in {@link FORKLINE_NS}; the RFC 7865 schema leaves room for elements from other
 * namespaces inside its elements, and the RFC 7865 §8.1 example itself carries such elements
 * (`<mydata xmlns='http://example.com/my'>`) inside `<group>`, `<session>` and `<participant>`.
 * Elements from namespaces we do not know are skipped when parsing.
 */
import { randomBytes } from "node:crypto";

import { childElements, escapeXml, fail, parseXmlDocument, textOf, type XmlElement } from "./metadata-xml";

export const RS_METADATA_CONTENT_TYPE = "application/rs-metadata+xml";
export const RECORDING_NS = "urn:ietf:params:xml:ns:recording:1";
/** Namespace of Forkline's extension data inside RFC 7865 elements. */
export const FORKLINE_NS = "urn:forkline:params:xml:ns:recording-ext:1";

export type DataMode = "complete" | "partial";
export type ParticipantRole = "agent" | "customer";

export interface MetadataParticipant {
  /** `participant_id`, a base64-encoded 128-bit id (see {@link newMetadataId}). */
  id: string;
  /** `<nameID aor="...">`. Empty only in partial documents that just re-associate streams. */
  aor: string;
  /** `<nameID><name>` display name. */
  name?: string;
  /** stream_ids this participant sends (`<participantstreamassoc><send>`). */
  send: string[];
  /** stream_ids this participant receives (`<participantstreamassoc><recv>`). */
  receive: string[];
  /** Dialed number / extension (extension element `fl:dn`). */
  dn?: string;
  /** Contact-centre agent id (extension element `fl:agentid`). */
  agentId?: string;
  /** Which side of the call this is (extension element `fl:role`). */
  role?: ParticipantRole;
}

export interface MetadataStream {
  /** `stream_id`. */
  id: string;
  /** `<label>`; matches the SDP `a=label` of the media line carrying this stream. */
  label: string;
  /** `session_id` of the communication session the stream belongs to. */
  sessionId: string;
}

export interface RecordingMetadata {
  /** `<datamode>`; a document without it is read as complete. */
  dataMode: DataMode;
  /**
   * The communication session (`<session session_id>`). A partial document may carry no
   * `<session>`; then `id` is "".
   */
  session: {
    id: string;
    /** `<sipSessionID>` (RFC 7989 Session-ID of the recorded call). */
    sipSessionId?: string;
    /** SIP Call-ID of the recorded call (extension element `fl:callid`). */
    callId?: string;
    /** `<start-time>`. */
    startTime?: string;
  };
  /** `<group group_id>` with its `<associate-time>`; the session points at it with `<group-ref>`. */
  group?: { id: string; associateTime?: string };
  participants: MetadataParticipant[];
  streams: MetadataStream[];
  /**
   * `<associate-time>` of the session with the recording session (`<sessionrecordingassoc>`),
   * also written on each `<participantsessionassoc>`.
   */
  associateTime?: string;
  /** Forkline extension data, carried inside `<session>`. */
  extension: {
    recordingId?: string;
    /**
     * Which recording session of the same recording this is (extension element `fl:segment`),
     * 1 for the first. RFC 7866 §5 lets an SRC create more than one recording session for one
     * communication session; after a recorder failure the engine continues the recording in a
     * new session with the same `session_id` and recording id and the next segment number.
     */
    segment?: number;
    params: Record<string, string>;
  };
}

const FL_PREFIX = "fl";

/**
 * A fresh RFC 7865 identifier: 16 random bytes (shaped as a version-4 UUID) in standard base64
 * with padding, 24 characters — the form of every id in the RFC 7865 §8.1 example
 * (e.g. `hVpd7YQgRW2nD22h7q60JQ==`, `7+OTCyoxTmqmqyA/1weDAg==`). The only impure function here.
 */
export function newMetadataId(): string {
  const bytes = randomBytes(16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return bytes.toString("base64");
}

// ---------------------------------------------------------------------------------------------
// Serialization

function el(name: string, text: string, attrs = ""): string {
  return `<${name}${attrs}>${escapeXml(text)}</${name}>`;
}

function checkText(what: string, value: string): void {
  // XML 1.0 Char production; control characters other than tab/CR/LF cannot be written.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(value))
    fail(`${what} contains a character XML cannot carry`);
}

/** Serializes metadata as an RFC 7865 document. Refuses metadata that would not parse back. */
export function serializeRecordingMetadata(m: RecordingMetadata): string {
  validateModel(m);
  const ind = (n: number): string => "  ".repeat(n);
  const lines: string[] = [];
  const usesExtension =
    m.session.callId !== undefined ||
    m.extension.recordingId !== undefined ||
    m.extension.segment !== undefined ||
    Object.keys(m.extension.params).length > 0 ||
    m.participants.some((p) => p.dn !== undefined || p.agentId !== undefined || p.role !== undefined);
  const nsDecl = usesExtension ? ` xmlns:${FL_PREFIX}="${FORKLINE_NS}"` : "";

  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(`<recording xmlns="${RECORDING_NS}"${nsDecl}>`);
  lines.push(`${ind(1)}${el("datamode", m.dataMode)}`);

  if (m.group !== undefined) {
    lines.push(`${ind(1)}<group group_id="${escapeXml(m.group.id)}">`);
    if (m.group.associateTime !== undefined)
      lines.push(`${ind(2)}${el("associate-time", m.group.associateTime)}`);
    lines.push(`${ind(1)}</group>`);
  }

  if (m.session.id !== "") {
    lines.push(`${ind(1)}<session session_id="${escapeXml(m.session.id)}">`);
    if (m.session.sipSessionId !== undefined)
      lines.push(`${ind(2)}${el("sipSessionID", m.session.sipSessionId)}`);
    if (m.group !== undefined) lines.push(`${ind(2)}${el("group-ref", m.group.id)}`);
    if (m.session.startTime !== undefined) lines.push(`${ind(2)}${el("start-time", m.session.startTime)}`);
    if (m.session.callId !== undefined) lines.push(`${ind(2)}${el(`${FL_PREFIX}:callid`, m.session.callId)}`);
    if (m.extension.recordingId !== undefined)
      lines.push(`${ind(2)}${el(`${FL_PREFIX}:recordingid`, m.extension.recordingId)}`);
    if (m.extension.segment !== undefined)
      lines.push(`${ind(2)}${el(`${FL_PREFIX}:segment`, String(m.extension.segment))}`);
    for (const [key, value] of Object.entries(m.extension.params))
      lines.push(`${ind(2)}${el(`${FL_PREFIX}:param`, value, ` name="${escapeXml(key)}"`)}`);
    lines.push(`${ind(1)}</session>`);
  }

  for (const p of m.participants) {
    lines.push(`${ind(1)}<participant participant_id="${escapeXml(p.id)}">`);
    if (p.aor !== "") {
      if (p.name === undefined) {
        lines.push(`${ind(2)}<nameID aor="${escapeXml(p.aor)}"/>`);
      } else {
        lines.push(`${ind(2)}<nameID aor="${escapeXml(p.aor)}">`);
        lines.push(`${ind(3)}${el("name", p.name)}`);
        lines.push(`${ind(2)}</nameID>`);
      }
    }
    if (p.dn !== undefined) lines.push(`${ind(2)}${el(`${FL_PREFIX}:dn`, p.dn)}`);
    if (p.agentId !== undefined) lines.push(`${ind(2)}${el(`${FL_PREFIX}:agentid`, p.agentId)}`);
    if (p.role !== undefined) lines.push(`${ind(2)}${el(`${FL_PREFIX}:role`, p.role)}`);
    lines.push(`${ind(1)}</participant>`);
  }

  for (const s of m.streams) {
    lines.push(`${ind(1)}<stream stream_id="${escapeXml(s.id)}" session_id="${escapeXml(s.sessionId)}">`);
    lines.push(`${ind(2)}${el("label", s.label)}`);
    lines.push(`${ind(1)}</stream>`);
  }

  if (m.session.id !== "" && m.associateTime !== undefined) {
    lines.push(`${ind(1)}<sessionrecordingassoc session_id="${escapeXml(m.session.id)}">`);
    lines.push(`${ind(2)}${el("associate-time", m.associateTime)}`);
    lines.push(`${ind(1)}</sessionrecordingassoc>`);
  }

  if (m.session.id !== "") {
    for (const p of m.participants) {
      const attrs = `participant_id="${escapeXml(p.id)}" session_id="${escapeXml(m.session.id)}"`;
      if (m.associateTime === undefined) {
        lines.push(`${ind(1)}<participantsessionassoc ${attrs}/>`);
      } else {
        lines.push(`${ind(1)}<participantsessionassoc ${attrs}>`);
        lines.push(`${ind(2)}${el("associate-time", m.associateTime)}`);
        lines.push(`${ind(1)}</participantsessionassoc>`);
      }
    }
  }

  for (const p of m.participants) {
    if (p.send.length === 0 && p.receive.length === 0) continue;
    lines.push(`${ind(1)}<participantstreamassoc participant_id="${escapeXml(p.id)}">`);
    for (const id of p.send) lines.push(`${ind(2)}${el("send", id)}`);
    for (const id of p.receive) lines.push(`${ind(2)}${el("recv", id)}`);
    lines.push(`${ind(1)}</participantstreamassoc>`);
  }

  lines.push("</recording>");
  return `${lines.join("\r\n")}\r\n`;
}

function validateModel(m: RecordingMetadata): void {
  if (m.dataMode !== "complete" && m.dataMode !== "partial")
    fail(`datamode "${String(m.dataMode)}" is invalid`);
  if (m.dataMode === "complete" && m.session.id === "") fail("a complete document needs a session id");
  const strings: [string, string | undefined][] = [
    ["session id", m.session.id],
    ["sipSessionID", m.session.sipSessionId],
    ["callid", m.session.callId],
    ["start-time", m.session.startTime],
    ["group id", m.group?.id],
    ["group associate-time", m.group?.associateTime],
    ["associate-time", m.associateTime],
    ["recordingid", m.extension.recordingId],
  ];
  const segment = m.extension.segment;
  if (segment !== undefined && (!Number.isInteger(segment) || segment < 1 || segment > 1_000_000))
    fail(`segment ${String(segment)} is not a whole number from 1 to 1000000`);
  for (const [key, value] of Object.entries(m.extension.params)) {
    if (key === "") fail("extension parameter with an empty name");
    strings.push([`param name "${key}"`, key], [`param "${key}"`, value]);
  }
  for (const p of m.participants) {
    if (p.id === "") fail("participant with an empty participant_id");
    if (m.dataMode === "complete" && p.aor === "") fail(`participant ${p.id} has no aor`);
    if (p.role !== undefined && p.role !== "agent" && p.role !== "customer")
      fail(`participant ${p.id} role "${String(p.role)}" is invalid`);
    strings.push(
      ["participant id", p.id],
      ["aor", p.aor],
      ["name", p.name],
      ["dn", p.dn],
      ["agentid", p.agentId],
    );
    for (const id of [...p.send, ...p.receive]) strings.push(["stream reference", id]);
  }
  for (const s of m.streams) {
    if (s.id === "") fail("stream with an empty stream_id");
    strings.push(["stream id", s.id], ["label", s.label], ["stream session_id", s.sessionId]);
  }
  for (const [what, value] of strings) if (value !== undefined) checkText(what, value);
  checkReferences(m);
}

/** Ids unique; in a complete document every stream reference names a stream of the document. */
function checkReferences(m: RecordingMetadata): void {
  const participantIds = new Set<string>();
  for (const p of m.participants) {
    if (participantIds.has(p.id)) fail(`participant_id ${p.id} appears more than once`);
    participantIds.add(p.id);
  }
  const streamIds = new Set<string>();
  for (const s of m.streams) {
    if (streamIds.has(s.id)) fail(`stream_id ${s.id} appears more than once`);
    streamIds.add(s.id);
    if (m.dataMode === "complete" && s.sessionId !== m.session.id)
      fail(`stream ${s.id} belongs to session ${s.sessionId}, not to session ${m.session.id}`);
  }
  if (m.dataMode !== "complete") return;
  for (const p of m.participants) {
    for (const [kind, ids] of [
      ["send", p.send],
      ["recv", p.receive],
    ] as const) {
      for (const id of ids) {
        if (!streamIds.has(id)) fail(`participant ${p.id} ${kind} references unknown stream ${id}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

function attr(element: XmlElement, name: string): string | undefined {
  const value = element.attrs[name];
  return value === undefined ? undefined : value.trim();
}

function requireAttr(element: XmlElement, name: string): string {
  const value = attr(element, name);
  if (value === undefined || value === "") fail(`<${element.local}> is missing its ${name} attribute`);
  return value;
}

function optionalChildText(parent: XmlElement, ns: string, local: string): string | undefined {
  const children = childElements(parent, ns, local);
  if (children.length > 1) fail(`<${parent.local}> has more than one <${local}>`);
  const child = children[0];
  return child === undefined ? undefined : textOf(child);
}

/** Collapses the line folding some SRCs (and the RFC 7866 example) put inside sipSessionID. */
function collapseWhitespace(value: string): string {
  return value.replace(/\s+/g, "");
}

/**
 * Parses an RFC 7865 metadata document. Refuses DTDs/entities, malformed XML, documents over
 * 256 KiB, a root other than `<recording>` in {@link RECORDING_NS}, a complete document without a
 * session, duplicate ids, and (in a complete document) stream references to unknown streams.
 */
export function parseRecordingMetadata(xml: string | Buffer): RecordingMetadata {
  const root = parseXmlDocument(xml);
  if (root.local !== "recording" || root.ns !== RECORDING_NS)
    fail(
      `root element is <${root.qname}> in namespace "${root.ns}", expected <recording> in ${RECORDING_NS}`,
    );

  const dataModeText = optionalChildText(root, RECORDING_NS, "datamode");
  let dataMode: DataMode = "complete";
  if (dataModeText !== undefined) {
    if (dataModeText !== "complete" && dataModeText !== "partial")
      fail(`<datamode> is "${dataModeText}", expected complete or partial`);
    dataMode = dataModeText;
  }

  // Group
  const groups = childElements(root, RECORDING_NS, "group");
  if (groups.length > 1) fail("more than one <group> is not supported");
  let group: RecordingMetadata["group"];
  const groupEl = groups[0];
  if (groupEl !== undefined) {
    group = { id: requireAttr(groupEl, "group_id") };
    const associateTime = optionalChildText(groupEl, RECORDING_NS, "associate-time");
    if (associateTime !== undefined) group.associateTime = associateTime;
  }

  // Session
  const sessions = childElements(root, RECORDING_NS, "session");
  if (sessions.length > 1) fail("more than one <session> is not supported");
  const sessionEl = sessions[0];
  if (sessionEl === undefined && dataMode === "complete")
    fail("missing <session>: a complete metadata document needs one");
  const session: RecordingMetadata["session"] = { id: "" };
  const extension: RecordingMetadata["extension"] = { params: {} };
  if (sessionEl !== undefined) {
    session.id = requireAttr(sessionEl, "session_id");
    const sipSessionIds = childElements(sessionEl, RECORDING_NS, "sipSessionID");
    const firstSipSessionId = sipSessionIds[0];
    if (firstSipSessionId !== undefined) session.sipSessionId = collapseWhitespace(textOf(firstSipSessionId));
    const startTime = optionalChildText(sessionEl, RECORDING_NS, "start-time");
    if (startTime !== undefined) session.startTime = startTime;
    const groupRef = optionalChildText(sessionEl, RECORDING_NS, "group-ref");
    if (groupRef !== undefined && (group === undefined || group.id !== groupRef))
      fail(`<session> group-ref ${groupRef} names no <group> of this document`);
    const callId = optionalChildText(sessionEl, FORKLINE_NS, "callid");
    if (callId !== undefined) session.callId = callId;
    const recordingId = optionalChildText(sessionEl, FORKLINE_NS, "recordingid");
    if (recordingId !== undefined) extension.recordingId = recordingId;
    const segment = optionalChildText(sessionEl, FORKLINE_NS, "segment");
    if (segment !== undefined) {
      if (!/^[1-9][0-9]{0,6}$/.test(segment.trim()) || Number(segment) > 1_000_000)
        fail(`<fl:segment> "${segment}" is not a whole number from 1 to 1000000`);
      extension.segment = Number(segment);
    }
    for (const param of childElements(sessionEl, FORKLINE_NS, "param")) {
      const name = attr(param, "name");
      if (name === undefined || name === "") fail("<param> extension element without a name attribute");
      if (Object.prototype.hasOwnProperty.call(extension.params, name))
        fail(`extension parameter "${name}" appears more than once`);
      extension.params[name] = textOf(param);
    }
  }

  // Participants
  const participants: MetadataParticipant[] = [];
  const byId = new Map<string, MetadataParticipant>();
  for (const pEl of childElements(root, RECORDING_NS, "participant")) {
    const id = requireAttr(pEl, "participant_id");
    if (byId.has(id)) fail(`participant_id ${id} appears more than once`);
    const nameIds = childElements(pEl, RECORDING_NS, "nameID");
    const nameIdEl = nameIds[0];
    if (nameIdEl === undefined && dataMode === "complete") fail(`participant ${id} has no <nameID>`);
    const participant: MetadataParticipant = { id, aor: "", send: [], receive: [] };
    if (nameIdEl !== undefined) {
      participant.aor = requireAttr(nameIdEl, "aor");
      const name = optionalChildText(nameIdEl, RECORDING_NS, "name");
      if (name !== undefined) participant.name = name;
    }
    const dn = optionalChildText(pEl, FORKLINE_NS, "dn");
    if (dn !== undefined) participant.dn = dn;
    const agentId = optionalChildText(pEl, FORKLINE_NS, "agentid");
    if (agentId !== undefined) participant.agentId = agentId;
    const role = optionalChildText(pEl, FORKLINE_NS, "role");
    if (role !== undefined) {
      if (role !== "agent" && role !== "customer")
        fail(`participant ${id} role "${role}" is not agent or customer`);
      participant.role = role;
    }
    participants.push(participant);
    byId.set(id, participant);
  }

  // Streams
  const streams: MetadataStream[] = [];
  const streamIds = new Set<string>();
  for (const sEl of childElements(root, RECORDING_NS, "stream")) {
    const id = requireAttr(sEl, "stream_id");
    if (streamIds.has(id)) fail(`stream_id ${id} appears more than once`);
    streamIds.add(id);
    const sessionId = requireAttr(sEl, "session_id");
    const label = optionalChildText(sEl, RECORDING_NS, "label");
    if (label === undefined || label === "") fail(`stream ${id} has no <label>`);
    if (dataMode === "complete" && sessionId !== session.id)
      fail(`stream ${id} names session ${sessionId}, which is not the document's session ${session.id}`);
    streams.push({ id, label, sessionId });
  }

  // Session ↔ recording association
  let associateTime: string | undefined;
  for (const assoc of childElements(root, RECORDING_NS, "sessionrecordingassoc")) {
    const sessionId = requireAttr(assoc, "session_id");
    if (sessionEl !== undefined && sessionId !== session.id)
      fail(`<sessionrecordingassoc> names unknown session ${sessionId}`);
    associateTime ??= optionalChildText(assoc, RECORDING_NS, "associate-time");
  }
  for (const assoc of childElements(root, RECORDING_NS, "participantsessionassoc")) {
    const participantId = requireAttr(assoc, "participant_id");
    requireAttr(assoc, "session_id");
    if (dataMode === "complete" && !byId.has(participantId))
      fail(`<participantsessionassoc> names unknown participant ${participantId}`);
  }

  // Participant ↔ stream association
  for (const assoc of childElements(root, RECORDING_NS, "participantstreamassoc")) {
    const participantId = requireAttr(assoc, "participant_id");
    let participant = byId.get(participantId);
    if (participant === undefined) {
      if (dataMode === "complete")
        fail(`<participantstreamassoc> names unknown participant ${participantId}`);
      // A partial update may re-associate a participant described in an earlier snapshot.
      participant = { id: participantId, aor: "", send: [], receive: [] };
      participants.push(participant);
      byId.set(participantId, participant);
    }
    for (const sendEl of childElements(assoc, RECORDING_NS, "send")) participant.send.push(textOf(sendEl));
    for (const recvEl of childElements(assoc, RECORDING_NS, "recv")) participant.receive.push(textOf(recvEl));
  }

  const metadata: RecordingMetadata = { dataMode, session, participants, streams, extension };
  if (group !== undefined) metadata.group = group;
  if (associateTime !== undefined) metadata.associateTime = associateTime;
  checkReferences(metadata);
  return metadata;
}
