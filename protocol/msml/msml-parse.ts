/**
 * MSML (RFC 5707) parser: XML text → typed {@link MsmlDocument}.
 *
 * Syntax errors (not well-formed, not MSML, missing or malformed attributes, unknown elements)
 * throw `ProtocolParseError("msml", …)`. Well-formed MSML that this media engine declines
 * (elements it does not implement, a recording destination that is not SIP) throws
 * {@link MsmlError} carrying the RFC 5707 Section 11 response code to answer with.
 */
import {
  isConferenceId,
  isDialogId,
  isIndependentId,
  isInstanceName,
  isMark,
  isObjectId,
  isSendTarget,
  isSipOrSipsUri,
  parseMsmlDuration,
  parseMsmlIdentifier,
} from "./msml-identifiers";
import { MEDIA_ENCRYPTION_POLICIES } from "./engine-contract";
import { MsmlStatus } from "./msml-status";
import {
  DTMF_MASKING_MODES,
  type DtmfMasking,
  type RecordingEncryption,
  MSML_VERSION,
  MsmlError,
  type MsmlDeleteWhen,
  type MsmlDocument,
  type MsmlEvent,
  type MsmlRecord,
  type MsmlRecordParticipant,
  type MsmlRequestItem,
  type MsmlResult,
  type MsmlStream,
} from "./msml-types";
import {
  attr,
  childElements,
  fail,
  isElement,
  optional,
  parseXmlDocument,
  requiredAttr,
  type XmlElement,
} from "./msml-xml";
import { parsePlay } from "./msml-play";

/** MSML dialog language of inline MSML dialogs (RFC 5707 Section 9.6.1, `type` attribute). */
export const MOML_DIALOG_TYPE = "application/moml+xml";

/**
 * Request elements RFC 5707 defines that this codec does not model: refused with 402
 * ("Unsupported Element") rather than as unknown.
 */
const UNSUPPORTED_REQUEST_ELEMENTS = new Set(["modifyconference", "modifystream", "monitor", "audit"]);

/** Text content of an element that must not contain elements. */
function textContent(el: XmlElement): string {
  let text = "";
  for (const child of el.children) {
    if (isElement(child)) fail(`<${el.name}> must contain text only, found <${child.name}>`);
    text += child.text;
  }
  return text;
}

/**
 * `mark`: RFC 5707 Section 7.2 "a token that can be used to identify execution progress in the
 * case of errors"; its pattern is `mark.datatype` in Section 16.1.2.
 */
function parseMark(el: XmlElement): { mark?: string } {
  const mark = attr(el, "mark");
  if (mark !== undefined && !isMark(mark)) fail(`<${el.name}> has an invalid mark "${mark}"`);
  return optional("mark", mark);
}

function identifierAttr(el: XmlElement, name: string, check: (id: string) => boolean, what: string): string {
  const id = requiredAttr(el, name);
  if (!check(id)) fail(`<${el.name}> ${name} "${id}" is not ${what}`);
  return id;
}

function parseCreateConference(el: XmlElement): MsmlRequestItem {
  const name = attr(el, "name");
  if (name !== undefined && !isInstanceName(name)) fail(`<createconference> has an invalid name "${name}"`);
  const deletewhen = attr(el, "deletewhen");
  if (
    deletewhen !== undefined &&
    deletewhen !== "nomedia" &&
    deletewhen !== "nocontrol" &&
    deletewhen !== "never"
  ) {
    fail(`<createconference> deletewhen must be "nomedia", "nocontrol" or "never", not "${deletewhen}"`);
  }
  for (const child of childElements(el)) {
    // RFC 5707 Section 8.3: "When no mixer descriptions are specified, the default behavior MUST be
    // equivalent to inclusion of a single <audiomix>."  So an <audiomix> adds nothing we model.
    if (child.name === "audiomix") continue;
    if (child.name === "videolayout" || child.name === "reserve") {
      throw new MsmlError(
        MsmlStatus.UNSUPPORTED_ELEMENT.code,
        `<${child.name}> in <createconference> is not supported`,
      );
    }
    fail(`unknown element <${child.name}> in <createconference>`);
  }
  return {
    kind: "createconference",
    ...optional("name", name),
    ...optional("deletewhen", deletewhen as MsmlDeleteWhen | undefined),
    ...parseMark(el),
  };
}

function parseDestroyConference(el: XmlElement): MsmlRequestItem {
  const id = identifierAttr(el, "id", isConferenceId, "a conference identifier (conf:…)");
  for (const child of childElements(el)) {
    if (child.name === "audiomix" || child.name === "videolayout") {
      throw new MsmlError(
        MsmlStatus.UNSUPPORTED_ELEMENT.code,
        `removing a single mixer (<${child.name}> in <destroyconference>) is not supported`,
      );
    }
    fail(`unknown element <${child.name}> in <destroyconference>`);
  }
  return { kind: "destroyconference", id, ...parseMark(el) };
}

/**
 * `<stream>`, RFC 5707 Section 8.12: "media: "audio" or video".  Mandatory" and "The "dir"
 * attribute MUST have a value of "from-id1" or "to-id1" depending on the required direction."
 */
function parseStream(el: XmlElement, parent: "join" | "unjoin"): MsmlStream {
  const media = requiredAttr(el, "media");
  if (media !== "audio" && media !== "video")
    fail(`<stream> media must be "audio" or "video", not "${media}"`);
  const dir = attr(el, "dir");
  if (dir !== undefined && dir !== "from-id1" && dir !== "to-id1") {
    fail(`<stream> dir must be "from-id1" or "to-id1", not "${dir}"`);
  }
  const children = childElements(el);
  const first = children[0];
  if (first !== undefined) {
    if (parent === "unjoin") {
      // RFC 5707 Section 8.12: "Stream elements MUST NOT have any content when they are used as a
      // child of <unjoin> to identify specific streams to remove."
      fail(`<stream> inside <unjoin> must be empty, found <${first.name}>`);
    }
    throw new MsmlError(
      MsmlStatus.UNSUPPORTED_ELEMENT.code,
      `stream operator <${first.name}> is not supported`,
    );
  }
  return { media, ...optional("dir", dir as MsmlStream["dir"]) };
}

function parseJoinLike(el: XmlElement, kind: "join" | "unjoin"): MsmlRequestItem {
  const id1 = requiredAttr(el, "id1");
  const id2 = requiredAttr(el, "id2");
  for (const [name, id] of [
    ["id1", id1],
    ["id2", id2],
  ] as const) {
    const terms = parseMsmlIdentifier(id);
    if (terms === undefined) fail(`<${kind}> ${name} "${id}" is not an MSML identifier`);
    if (terms.length > 1) {
      // RFC 5707 Section 8.8: "id1: an identifier of either a connection or conference. [...]
      // Any other object class results in a 440 error."
      throw new MsmlError(
        MsmlStatus.CANNOT_JOIN_OBJECT_CLASS.code,
        `<${kind}> ${name} "${id}" is not a connection or conference`,
      );
    }
  }
  if (kind === "join") {
    // RFC 5707 Section 8.8: "Wildcards MUST NOT be used."
    if (!isIndependentId(id1) || !isIndependentId(id2)) fail(`<join> identifiers must not contain wildcards`);
  } else if (!isIndependentId(id1) && !isIndependentId(id2)) {
    // RFC 5707 Section 8.10: "The instance name MUST NOT contain a wildcard if "id2" contains a
    // wildcard."
    fail(`<unjoin> id1 and id2 must not both contain wildcards`);
  }
  const streams: MsmlStream[] = [];
  for (const child of childElements(el)) {
    if (child.name !== "stream") fail(`unknown element <${child.name}> in <${kind}>`);
    streams.push(parseStream(child, kind));
  }
  // RFC 5707 Section 16.2.2: <stream> has maxOccurs="4" in <join> and <unjoin>.
  if (streams.length > 4) fail(`<${kind}> has ${streams.length} <stream> elements, at most 4 are allowed`);
  return { kind, id1, id2, streams, ...parseMark(el) };
}

/**
 * `<record>` as our media engine implements it: a SIPREC proxy. `dest` lists SIP or SIPS URIs of
 * recorders, tried in order. RFC 5707 Section 9.7.4 says of dest: "Recording MAY be either local
 * or external based upon the attribute value.  File and http schemes are supported."  This engine
 * records only by forking media to a SIP recorder, so it refuses file: and every non-SIP scheme.
 */
function parseRecord(el: XmlElement): MsmlRecord {
  const destAttr = requiredAttr(el, "dest");
  const dest = destAttr.trim().split(/\s+/);
  for (const uri of dest) {
    if (/^file:/i.test(uri)) {
      throw new MsmlError(MsmlStatus.INVALID_ATTRIBUTE_VALUE.code, "local file recording is not supported");
    }
    if (!isSipOrSipsUri(uri)) {
      throw new MsmlError(
        MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
        "recording destination must be a SIP or SIPS URI",
      );
    }
  }
  const timeout = attr(el, "attempttimeout");
  let attemptTimeoutMs: number | undefined;
  if (timeout !== undefined) {
    attemptTimeoutMs = parseMsmlDuration(timeout);
    if (attemptTimeoutMs === undefined)
      fail(`<record> attempttimeout "${timeout}" is not a time like "3s" or "500ms"`);
  }
  const recordingId = attr(el, "recordingid");
  if (recordingId !== undefined && !isInstanceName(recordingId)) {
    fail(`<record> recordingid "${recordingId}" may only hold letters, digits and . : - _`);
  }
  const dtmfMasking = attr(el, "dtmfmask");
  if (dtmfMasking !== undefined && !(DTMF_MASKING_MODES as readonly string[]).includes(dtmfMasking)) {
    throw new MsmlError(
      MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
      `<record> dtmfmask "${dtmfMasking}" is not one of ${DTMF_MASKING_MODES.join(", ")}`,
    );
  }
  const encryption = attr(el, "encryption");
  if (encryption !== undefined && !(MEDIA_ENCRYPTION_POLICIES as readonly string[]).includes(encryption)) {
    throw new MsmlError(
      MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
      `<record> encryption "${encryption}" is not one of ${MEDIA_ENCRYPTION_POLICIES.join(", ")}`,
    );
  }
  const params: Record<string, string> = {};
  const participants: MsmlRecordParticipant[] = [];
  for (const child of childElements(el)) {
    if (child.name === "participant") {
      participants.push(parseRecordParticipant(child));
      continue;
    }
    if (child.name !== "param") {
      throw new MsmlError(
        MsmlStatus.UNSUPPORTED_ELEMENT.code,
        `<${child.name}> in <record> is not supported`,
      );
    }
    const name = requiredAttr(child, "name");
    if (name === "__proto__") fail(`<param> name "__proto__" is reserved`);
    if (Object.prototype.hasOwnProperty.call(params, name)) fail(`<record> has two <param name="${name}">`);
    params[name] = textContent(child);
  }
  return {
    dest,
    ...optional("attemptTimeoutMs", attemptTimeoutMs),
    ...optional("recordingId", recordingId),
    ...optional("dtmfMasking", dtmfMasking as DtmfMasking | undefined),
    ...optional("encryption", encryption as RecordingEncryption | undefined),
    params,
    ...(participants.length === 0 ? {} : { participants }),
  };
}

function parseRecordParticipant(el: XmlElement): MsmlRecordParticipant {
  const conn = requiredAttr(el, "conn");
  if (!conn.startsWith("conn:") || !isObjectId(conn))
    fail(`<participant> conn "${conn}" is not a connection id`);
  const aor = requiredAttr(el, "aor");
  if (/\s/.test(aor) || !/^[a-z][a-z0-9+.-]*:/i.test(aor)) fail(`<participant> aor "${aor}" is not a URI`);
  const role = attr(el, "role");
  if (role !== undefined && role !== "agent" && role !== "customer") {
    fail(`<participant> role "${role}" must be agent or customer`);
  }
  return {
    conn,
    aor,
    ...optional("name", attr(el, "name")),
    ...optional("dn", attr(el, "dn")),
    ...optional("agentId", attr(el, "agentid")),
    ...optional("role", role as "agent" | "customer" | undefined),
  };
}

/**
 * `<dialogstart>`, RFC 5707 Section 9.6.1: "The dialog is specified either inline or by a URI
 * [n6]." Two inline dialogs are implemented here: `<record>` (a SIPREC recording) and `<play>` of
 * a synthesised tone (msml-play.ts).
 */
function parseDialogStart(el: XmlElement): MsmlRequestItem {
  // RFC 5707 Section 9.6.1: "target: an identifier of a connection or a conference that will
  // interact with the dialog.  The identifier must not contain wildcards.  Mandatory."
  const target = identifierAttr(
    el,
    "target",
    (id) => isIndependentId(id),
    "a connection or conference identifier",
  );
  const name = attr(el, "name");
  if (name !== undefined && !isInstanceName(name)) fail(`<dialogstart> has an invalid name "${name}"`);
  const type = attr(el, "type");
  const children = childElements(el);
  if (attr(el, "src") !== undefined) {
    // RFC 5707 Section 9.6.1: "src: the URL of the dialog description.  MUST NOT be used if the
    // MSML dialog description is inline.  Otherwise, an error (422) will result"
    if (children.length > 0) {
      throw new MsmlError(
        MsmlStatus.AMBIGUOUS_REQUEST.code,
        "<dialogstart> has both src and an inline dialog",
      );
    }
    throw new MsmlError(
      MsmlStatus.ATTRIBUTE_NOT_SUPPORTED.code,
      "external dialog documents (src) are not supported",
    );
  }
  if (type !== undefined && type !== MOML_DIALOG_TYPE) {
    throw new MsmlError(
      MsmlStatus.UNSUPPORTED_MEDIA_DESCRIPTION_LANGUAGE.code,
      `dialog type "${type}" is not supported, only ${MOML_DIALOG_TYPE}`,
    );
  }
  const first = children[0];
  if (first === undefined) fail("<dialogstart> has no dialog: expected a <record> or <play> child");
  if (first.name !== "record" && first.name !== "play") {
    throw new MsmlError(
      MsmlStatus.UNSUPPORTED_ELEMENT.code,
      `dialog element <${first.name}> is not supported`,
    );
  }
  if (children.length > 1) {
    throw new MsmlError(
      MsmlStatus.UNSUPPORTED_ELEMENT.code,
      "<dialogstart> may hold only one <record> or one <play>",
    );
  }
  return {
    kind: "dialogstart",
    target,
    ...optional("name", name),
    ...optional("type", type),
    ...(first.name === "record" ? { record: parseRecord(first) } : { play: parsePlay(first) }),
    ...parseMark(el),
  };
}

function parseDialogEnd(el: XmlElement): MsmlRequestItem {
  // RFC 5707 Section 9.6.2: "id: the identifier of a dialog.  Mandatory."
  const id = identifierAttr(el, "id", isDialogId, "a dialog identifier (conn:…/dialog:…)");
  const first = childElements(el)[0];
  if (first !== undefined) fail(`unknown element <${first.name}> in <dialogend>`);
  return { kind: "dialogend", id, ...parseMark(el) };
}

function parseSend(el: XmlElement): MsmlRequestItem {
  // RFC 5707 Section 7.2: "event: the name of an event.  Mandatory."
  const event = requiredAttr(el, "event");
  const target = identifierAttr(el, "target", isSendTarget, "an object identifier");
  const valuelist = attr(el, "valuelist");
  const first = childElements(el)[0];
  if (first !== undefined) fail(`unknown element <${first.name}> in <send>`);
  return { kind: "send", target, event, ...optional("valuelist", valuelist), ...parseMark(el) };
}

function parseRequestItem(el: XmlElement): MsmlRequestItem {
  switch (el.name) {
    case "createconference":
      return parseCreateConference(el);
    case "destroyconference":
      return parseDestroyConference(el);
    case "join":
      return parseJoinLike(el, "join");
    case "unjoin":
      return parseJoinLike(el, "unjoin");
    case "dialogstart":
      return parseDialogStart(el);
    case "dialogend":
      return parseDialogEnd(el);
    case "send":
      return parseSend(el);
    case "result":
    case "event":
      return fail(`<${el.name}> cannot be combined with other elements in one <msml>`);
    default:
      if (UNSUPPORTED_REQUEST_ELEMENTS.has(el.name)) {
        throw new MsmlError(MsmlStatus.UNSUPPORTED_ELEMENT.code, `<${el.name}> is not supported`);
      }
      return fail(`unknown element <${el.name}> in <msml>`);
  }
}

/**
 * `<result>`, RFC 5707 Section 7.3: "response: a numeric code indicating the overall success or
 * failure of the transaction [...] Mandatory."  "An optional child element <description> may
 * include text that expands on the meaning of error responses."  "Those elements are <confid>
 * and <dialogid>, for objects created through a <createconference> and <dialogstart>
 * respectively."
 *
 * The RFC's own examples (Section 12.1, Steps 13 and 19) put <dialogid> after <result>, as its
 * sibling; that form is read too. Writing always nests it, as Section 7.3 describes.
 */
function parseResultDocument(elements: XmlElement[]): MsmlResult {
  const [result, ...siblings] = elements as [XmlElement, ...XmlElement[]];
  const response = requiredAttr(result, "response");
  // RFC 5707 Section 16.1.1: response has the pattern `\d{3}`.
  if (!/^[1-5][0-9]{2}$/.test(response)) fail(`<result> response "${response}" is not a three-digit code`);
  const out: MsmlResult = { version: MSML_VERSION, response: Number(response), ...parseMark(result) };
  const seen = new Set<string>();
  const take = (el: XmlElement, allowed: readonly string[]): void => {
    if (!allowed.includes(el.name)) fail(`unexpected element <${el.name}> in an MSML result`);
    if (seen.has(el.name)) fail(`an MSML result may hold only one <${el.name}>`);
    seen.add(el.name);
    const value = textContent(el).trim();
    if (el.name === "description") {
      out.description = value;
    } else if (el.name === "confid") {
      if (!isConferenceId(value)) fail(`<confid> "${value}" is not a conference identifier`);
      out.confid = value;
    } else {
      if (!isDialogId(value)) fail(`<dialogid> "${value}" is not a dialog identifier`);
      out.dialogid = value;
    }
  };
  for (const child of childElements(result)) take(child, ["description", "confid", "dialogid"]);
  for (const sibling of siblings) take(sibling, ["confid", "dialogid"]);
  return out;
}

/**
 * `<event>`, RFC 5707 Section 7.4: "<event> has two children, <name> and <value>, which contain
 * the name and value respectively of each namelist item associated with the event."
 */
function parseEvent(el: XmlElement): MsmlEvent {
  const name = requiredAttr(el, "name");
  // RFC 5707 Section 7.4: "id: the identifier of the conference or dialog that generated the
  // event or caused the event to be generated.  Mandatory."
  const id = identifierAttr(el, "id", isObjectId, "an object identifier");
  const fields: { name: string; value: string }[] = [];
  const children = childElements(el);
  for (let i = 0; i < children.length; i += 2) {
    const key = children[i] as XmlElement;
    const value = children[i + 1];
    if (key.name !== "name") fail(`expected <name> in <event>, found <${key.name}>`);
    if (value === undefined || value.name !== "value")
      fail("every <name> in <event> must be followed by a <value>");
    fields.push({ name: textContent(key), value: textContent(value) });
  }
  return { version: MSML_VERSION, name, id, fields };
}

/** Parses one MSML body (a request, a result, or an event) into its typed form. */
export function parseMsml(xml: string | Buffer): MsmlDocument {
  const root = parseXmlDocument(xml);
  if (root.name !== "msml") fail(`root element must be <msml>, not <${root.name}>`);
  // RFC 5707 Section 7.1: "Attributes: version: "1.1" Mandatory"
  const version = attr(root, "version");
  if (version === undefined) fail('<msml> is missing required attribute "version"');
  if (version !== MSML_VERSION)
    fail(`unsupported MSML version "${version}", only "${MSML_VERSION}" is supported`);
  const children = childElements(root);
  const first = children[0];
  if (first === undefined) fail("<msml> is empty");
  if (first.name === "result") return { type: "result", ...parseResultDocument(children) };
  if (first.name === "event") {
    const extra = children[1];
    if (extra !== undefined) fail(`<event> cannot be combined with <${extra.name}> in one <msml>`);
    return { type: "event", ...parseEvent(first) };
  }
  // RFC 5707 Section 5: "Multiple MSML elements received in a single request MUST be processed
  // sequentially in document order."  Items keep that order.
  return { type: "request", version: MSML_VERSION, items: children.map(parseRequestItem) };
}
