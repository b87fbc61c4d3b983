/**
 * The XML layer under the MSML codec: input limits, refusal of DTDs and entity declarations,
 * well-formedness validation, and a small ordered element tree built on fast-xml-parser.
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

/** Largest MSML body accepted, in bytes (64 KiB). */
export const MAX_MSML_BYTES = 64 * 1024;

export type XmlElement = { name: string; attrs: Record<string, string>; children: XmlNode[] };
export type XmlText = { text: string };
export type XmlNode = XmlElement | XmlText;

export function isElement(node: XmlNode): node is XmlElement {
  return "name" in node;
}

export function fail(message: string): never {
  throw new ProtocolParseError("msml", message);
}

const parser = new XMLParser(UNTRUSTED_XML_OPTIONS);

function decodeInput(xml: string | Buffer): string {
  return decodeXmlInput(xml, MAX_MSML_BYTES, "msml");
}

export function decodeXmlText(raw: string): string {
  return sharedDecodeXmlText(raw, "msml");
}

function toNodes(raw: unknown): XmlNode[] {
  return walkOrderedXml<XmlNode>(raw, decodeXmlText, {
    text: (text) => ({ text }),
    element: (name, attrs, children) => ({ name, attrs, children: toNodes(children) }),
  });
}

/**
 * Parses an MSML body into its root element. Refuses oversized input, any DTD or entity
 * declaration, and XML that is not well-formed (with the validator's message and line).
 */
export function parseXmlDocument(xml: string | Buffer): XmlElement {
  const text = decodeInput(xml);
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) fail("DTD and entity declarations are not allowed");
  const roots = toNodes(parseOrderedXml(text, parser, fail)).filter((n): n is XmlElement => isElement(n));
  if (roots.length !== 1) fail(`expected one root element, found ${roots.length}`);
  return roots[0] as XmlElement;
}

/** Escapes a string for a double-quoted attribute value (whitespace controls kept as references). */
export function escapeXmlAttribute(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

/** Escapes a string for element content. */
export function escapeXmlText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;");
}

/** Refuses characters that XML 1.0 cannot carry at all, before they are written out. */
export function assertXmlChars(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(value) || /[\ud800-\udfff]/u.test(value)) {
    fail(`${what} contains a character XML cannot carry`);
  }
}

export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function attr(el: XmlElement, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(el.attrs, name) ? el.attrs[name] : undefined;
}

export function requiredAttr(el: XmlElement, name: string): string {
  const value = attr(el, name);
  if (value === undefined) fail(`<${el.name}> is missing required attribute "${name}"`);
  if (value.trim() === "") fail(`<${el.name}> attribute "${name}" is empty`);
  return value;
}

/** Child elements; whitespace between them is ignored, any other text is refused. */
export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const child of el.children) {
    if (isElement(child)) out.push(child);
    else if (child.text.trim() !== "") fail(`unexpected text inside <${el.name}>`);
  }
  return out;
}
