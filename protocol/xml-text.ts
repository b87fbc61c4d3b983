import { type X2jOptions, type XMLParser, XMLValidator } from "fast-xml-parser";
import { ProtocolParseError, type ProtocolName } from "./protocol-parse-error";

/**
 * Text handling shared by the XML codecs (MSML, SIPREC metadata). Their parser runs with entity
 * processing off, so entity and character references are resolved here, and only the five
 * predefined entities and well-formed character references are: nothing a document declares is
 * ever expanded (no XXE, no billion laughs).
 */

/**
 * fast-xml-parser settings for untrusted bodies, the same for every XML codec: document order
 * kept, every value left as text, entities never processed (references are resolved by
 * decodeXmlText), declarations and processing instructions dropped, nesting bounded.
 */
export const UNTRUSTED_XML_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  processEntities: false,
  htmlEntities: false,
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: "#cdata",
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 32,
} as const satisfies Partial<X2jOptions>;

/** A body as text: UTF-8, at most `maxBytes`, leading BOM dropped. */
export function decodeXmlInput(xml: string | Buffer, maxBytes: number, protocol: ProtocolName): string {
  const bytes = typeof xml === "string" ? Buffer.byteLength(xml, "utf8") : xml.length;
  if (bytes > maxBytes) {
    throw new ProtocolParseError(protocol, `document is ${bytes} bytes, more than the ${maxBytes} allowed`);
  }
  const text = typeof xml === "string" ? xml : xml.toString("utf8");
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

const PREDEFINED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Resolves the five predefined XML entities and character references; refuses any other reference. */
export function decodeXmlText(raw: string, protocol: ProtocolName): string {
  if (!raw.includes("&")) return raw;
  const fail = (message: string): never => {
    throw new ProtocolParseError(protocol, message);
  };
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) fail(`malformed entity reference "${whole}"`);
    const predefined = PREDEFINED_ENTITIES[ref];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (numeric === null) return fail(`undeclared entity reference "&${ref};"`);
    const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2] ?? "", 10);
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) fail(`character reference "&${ref};" is not an XML character`);
    return String.fromCodePoint(code);
  });
}

/**
 * Checks that `text` is well-formed and parses it with `parser` (made with UNTRUSTED_XML_OPTIONS)
 * into fast-xml-parser's ordered tree; a failure of either names the validator's or parser's
 * reason. DTD refusal is the caller's, before this.
 */
export function parseOrderedXml(text: string, parser: XMLParser, fail: (message: string) => never): unknown {
  const validation = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    fail(`malformed XML: ${msg} (line ${line}, column ${col})`);
  }
  try {
    return parser.parse(text);
  } catch (err) {
    return fail(`malformed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

type OrderedItem = Record<string, unknown>;

/**
 * Walks one level of the ordered tree in document order: text with its references resolved by
 * `decode`, CDATA as literal text (it has no references), elements with their attribute values
 * decoded and their children left raw for the caller to walk in its own scope. Comments,
 * declarations and processing instructions are skipped.
 */
export function walkOrderedXml<N>(
  raw: unknown,
  decode: (text: string) => string,
  visit: {
    text: (text: string) => N;
    element: (name: string, attrs: Record<string, string>, rawChildren: unknown) => N;
  },
): N[] {
  if (!Array.isArray(raw)) return [];
  const nodes: N[] = [];
  for (const item of raw as OrderedItem[]) {
    for (const key of Object.keys(item)) {
      if (key === ":@") continue;
      const value = item[key];
      if (key === "#text") {
        nodes.push(visit.text(decode(String(value))));
      } else if (key === "#cdata") {
        const parts = Array.isArray(value) ? (value as OrderedItem[]) : [];
        nodes.push(visit.text(parts.map((part) => String(part["#text"] ?? "")).join("")));
      } else if (key === "#comment" || key.startsWith("?") || key.startsWith("!")) {
        continue;
      } else {
        const rawAttrs = (item[":@"] ?? {}) as Record<string, unknown>;
        const attrs: Record<string, string> = {};
        for (const [name, attrValue] of Object.entries(rawAttrs)) attrs[name] = decode(String(attrValue));
        nodes.push(visit.element(key, attrs, value));
      }
    }
  }
  return nodes;
}
