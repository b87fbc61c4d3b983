/**
 * The XML layer under the recording-metadata codec: input limits, refusal of DTDs and entity
 * declarations, well-formedness validation, a small ordered element tree built on fast-xml-parser,
 * and namespace resolution (fast-xml-parser keeps prefixes as written; it does not resolve them).
 */
import {
  UNTRUSTED_XML_OPTIONS,
  decodeXmlInput,
  decodeXmlText as sharedDecodeXmlText,
  parseOrderedXml,
  walkOrderedXml,
} from "../xml-text";
import { XMLParser } from "fast-xml-parser";

import { ProtocolParseError } from "../protocol-parse-error";

/** Largest metadata document accepted, in bytes (256 KiB). */
export const MAX_METADATA_BYTES = 256 * 1024;

export interface XmlElement {
  /** Qualified name as written, e.g. `fl:param`. */
  qname: string;
  /** Local part of the name, e.g. `param`. */
  local: string;
  /** Resolved namespace URI ("" when the element is in no namespace). */
  ns: string;
  /** Attributes by qualified name as written (namespace declarations included). */
  attrs: Record<string, string>;
  children: XmlNode[];
}
export interface XmlText {
  text: string;
}
export type XmlNode = XmlElement | XmlText;

export function isElement(node: XmlNode): node is XmlElement {
  return "qname" in node;
}

export function fail(message: string): never {
  throw new ProtocolParseError("siprec-metadata", message);
}

const parser = new XMLParser({
  ...UNTRUSTED_XML_OPTIONS,
  removeNSPrefix: false,
  commentPropName: "#comment",
});

function decodeInput(xml: string | Buffer): string {
  return decodeXmlInput(xml, MAX_METADATA_BYTES, "siprec-metadata");
}

export function decodeXmlText(raw: string): string {
  return sharedDecodeXmlText(raw, "siprec-metadata");
}

/** Escapes text for element content and attribute values (double-quoted). */
export function escapeXml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (ch) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[ch]};`,
  );
}

type Scope = ReadonlyMap<string, string>;

function toNodes(raw: unknown, scope: Scope): XmlNode[] {
  return walkOrderedXml<XmlNode>(raw, decodeXmlText, {
    text: (text) => ({ text }),
    element: (key, attrs, children) => {
      let inner: Map<string, string> | undefined;
      for (const [name, attrValue] of Object.entries(attrs)) {
        if (name === "xmlns" || name.startsWith("xmlns:")) {
          inner ??= new Map(scope);
          inner.set(name === "xmlns" ? "" : name.slice(6), attrValue);
        }
      }
      const elementScope = inner ?? scope;
      const colon = key.indexOf(":");
      const prefix = colon === -1 ? "" : key.slice(0, colon);
      const local = colon === -1 ? key : key.slice(colon + 1);
      const ns = elementScope.get(prefix);
      if (ns === undefined) fail(`element <${key}> uses undeclared namespace prefix "${prefix}"`);
      return { qname: key, local, ns, attrs, children: toNodes(children, elementScope) };
    },
  });
}

/**
 * Parses a metadata body into its root element. Refuses oversized input, any DTD or entity
 * declaration (checked on the raw text, any case, before the parser sees it), and XML that is not
 * well-formed (with the validator's message and line).
 */
export function parseXmlDocument(xml: string | Buffer): XmlElement {
  const text = decodeInput(xml);
  if (/<!DOCTYPE/i.test(text)) fail("DOCTYPE declarations are not allowed");
  if (/<!ENTITY/i.test(text)) fail("ENTITY declarations are not allowed");
  const roots = toNodes(parseOrderedXml(text, parser, fail), new Map([["", ""]])).filter(isElement);
  const root = roots[0];
  if (root === undefined) fail("document has no root element");
  if (roots.length > 1) fail("document has more than one root element");
  return root;
}

export function childElements(element: XmlElement, ns: string, local?: string): XmlElement[] {
  return element.children.filter(
    (child): child is XmlElement =>
      isElement(child) && child.ns === ns && (local === undefined || child.local === local),
  );
}

export function textOf(element: XmlElement): string {
  return element.children
    .filter((child): child is XmlText => !isElement(child))
    .map((child) => child.text)
    .join("")
    .trim();
}
