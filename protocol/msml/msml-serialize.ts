/**
 * MSML (RFC 5707) writer: typed objects → XML text.
 *
 * Every document written is read back with {@link parseMsml} before it is returned, so the
 * writer refuses exactly what the reader refuses (same `ProtocolParseError` / `MsmlError`), and
 * never emits a document our own media engine would reject.
 */
import { formatMsmlDuration } from "./msml-identifiers";
import { parseMsml } from "./msml-parse";
import { checkPlay, formatToneUri } from "./msml-play";
import type {
  MsmlEvent,
  MsmlPlay,
  MsmlRecord,
  MsmlRequest,
  MsmlRequestItem,
  MsmlResult,
  MsmlStream,
} from "./msml-types";
import { assertXmlChars, escapeXmlAttribute, escapeXmlText, fail } from "./msml-xml";

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const INDENT = "  ";

type Attrs = [name: string, value: string | undefined][];

/** One element: its attributes (undefined ones left out), then child lines or a text body. */
type Node = { name: string; attrs: Attrs; children?: Node[]; text?: string };

function writeAttrs(node: Node): string {
  let out = "";
  for (const [name, value] of node.attrs) {
    if (value === undefined) continue;
    assertXmlChars(value, `attribute ${name} of <${node.name}>`);
    out += ` ${name}="${escapeXmlAttribute(value)}"`;
  }
  return out;
}

function writeNode(node: Node, depth: number, lines: string[]): void {
  const pad = INDENT.repeat(depth);
  const open = `<${node.name}${writeAttrs(node)}`;
  if (node.text !== undefined) {
    assertXmlChars(node.text, `content of <${node.name}>`);
    lines.push(`${pad}${open}>${escapeXmlText(node.text)}</${node.name}>`);
  } else if (node.children === undefined || node.children.length === 0) {
    lines.push(`${pad}${open}/>`);
  } else {
    lines.push(`${pad}${open}>`);
    for (const child of node.children) writeNode(child, depth + 1, lines);
    lines.push(`${pad}</${node.name}>`);
  }
}

function writeDocument(version: string, children: Node[]): string {
  const lines: string[] = [XML_DECLARATION];
  writeNode({ name: "msml", attrs: [["version", version]], children }, 0, lines);
  return `${lines.join("\n")}\n`;
}

function streamNode(stream: MsmlStream): Node {
  return {
    name: "stream",
    attrs: [
      ["media", stream.media],
      ["dir", stream.dir],
    ],
  };
}

function recordNode(record: MsmlRecord): Node {
  if (record.dest.length === 0) fail('<record> needs at least one "dest" URI');
  for (const uri of record.dest) {
    if (uri === "" || /\s/.test(uri)) fail(`recording destination "${uri}" is empty or contains whitespace`);
  }
  const timeout = record.attemptTimeoutMs;
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 0)) {
    fail(`attemptTimeoutMs must be a whole number of milliseconds >= 0, not ${timeout}`);
  }
  return {
    name: "record",
    attrs: [
      ["dest", record.dest.join(" ")],
      ["attempttimeout", timeout === undefined ? undefined : formatMsmlDuration(timeout)],
      ["recordingid", record.recordingId],
      ["dtmfmask", record.dtmfMasking],
      ["encryption", record.encryption],
    ],
    children: [
      ...Object.entries(record.params).map(([name, value]): Node => ({
        name: "param",
        attrs: [["name", name]],
        text: value,
      })),
      ...(record.participants ?? []).map((p): Node => ({
        name: "participant",
        attrs: [
          ["conn", p.conn],
          ["aor", p.aor],
          ["name", p.name],
          ["dn", p.dn],
          ["agentid", p.agentId],
          ["role", p.role],
        ],
      })),
    ],
  };
}

function playNode(play: MsmlPlay): Node {
  checkPlay(play);
  return {
    name: "play",
    attrs: [
      ["iterate", play.iterations === undefined ? undefined : String(play.iterations)],
      ["interval", play.intervalMs === undefined ? undefined : formatMsmlDuration(play.intervalMs)],
      ["whilerecording", play.whileRecording],
    ],
    children: [{ name: "audio", attrs: [["uri", formatToneUri(play.tone)]] }],
  };
}

function itemNode(item: MsmlRequestItem): Node {
  switch (item.kind) {
    case "createconference":
      return {
        name: item.kind,
        attrs: [
          ["name", item.name],
          ["deletewhen", item.deletewhen],
          ["mark", item.mark],
        ],
      };
    case "destroyconference":
    case "dialogend":
      return {
        name: item.kind,
        attrs: [
          ["id", item.id],
          ["mark", item.mark],
        ],
      };
    case "join":
    case "unjoin":
      return {
        name: item.kind,
        attrs: [
          ["id1", item.id1],
          ["id2", item.id2],
          ["mark", item.mark],
        ],
        children: item.streams.map(streamNode),
      };
    case "dialogstart":
      return {
        name: item.kind,
        attrs: [
          ["target", item.target],
          ["name", item.name],
          ["type", item.type],
          ["mark", item.mark],
        ],
        children: [
          ...(item.record === undefined ? [] : [recordNode(item.record)]),
          ...(item.play === undefined ? [] : [playNode(item.play)]),
        ],
      };
    case "send":
      return {
        name: item.kind,
        attrs: [
          ["target", item.target],
          ["event", item.event],
          ["valuelist", item.valuelist],
          ["mark", item.mark],
        ],
      };
  }
}

/** Writes an MSML request (`<msml version="1.1">` holding the items in order). */
export function serializeMsmlRequest(req: MsmlRequest): string {
  if (req.items.length === 0) fail("an MSML request needs at least one element");
  const xml = writeDocument(req.version, req.items.map(itemNode));
  if (parseMsml(xml).type !== "request") fail("items do not form an MSML request");
  return xml;
}

/** Writes an MSML transaction result (RFC 5707 Section 7.3). */
export function serializeMsmlResult(res: MsmlResult): string {
  if (!Number.isInteger(res.response)) fail(`response must be a three-digit code, not ${res.response}`);
  const children: Node[] = [];
  if (res.description !== undefined) children.push({ name: "description", attrs: [], text: res.description });
  if (res.confid !== undefined) children.push({ name: "confid", attrs: [], text: res.confid });
  if (res.dialogid !== undefined) children.push({ name: "dialogid", attrs: [], text: res.dialogid });
  const xml = writeDocument(res.version, [
    {
      name: "result",
      attrs: [
        ["response", String(res.response)],
        ["mark", res.mark],
      ],
      children,
    },
  ]);
  parseMsml(xml);
  return xml;
}

/** Writes an MSML event notification (RFC 5707 Section 7.4). */
export function serializeMsmlEvent(ev: MsmlEvent): string {
  const children: Node[] = [];
  for (const field of ev.fields) {
    children.push({ name: "name", attrs: [], text: field.name });
    children.push({ name: "value", attrs: [], text: field.value });
  }
  const xml = writeDocument(ev.version, [
    {
      name: "event",
      attrs: [
        ["name", ev.name],
        ["id", ev.id],
      ],
      children,
    },
  ]);
  parseMsml(xml);
  return xml;
}
