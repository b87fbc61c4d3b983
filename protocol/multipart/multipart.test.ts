import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { parseContentType, parseMultipart, serializeMultipart } from "./index";
import { expectParseError } from "../test-support/expect-parse-error";

const VECTORS = join(fileURLToPath(new URL(".", import.meta.url)), "__vectors__");

/** A `.mime` vector: one `Content-Type:` line, a blank line, then the multipart body. */
function mimeVector(path: string): { contentType: string; body: Buffer } {
  const raw = readFileSync(join(VECTORS, path));
  const text = raw.toString("latin1");
  const match = /\r?\n\r?\n/.exec(text);
  if (match === null) throw new Error(`${path}: no blank line after the Content-Type line`);
  const header = text.slice(0, match.index);
  const colon = header.indexOf(":");
  return { contentType: header.slice(colon + 1).trim(), body: raw.subarray(match.index + match[0].length) };
}

const expectRefusal = (fn: () => unknown, pattern: RegExp) => expectParseError(fn, "multipart", pattern);

describe("parseContentType", () => {
  it("lower-cases type, subtype and parameter names, keeps values", () => {
    const ct = parseContentType('Multipart/Mixed; BOUNDARY="Simple Boundary"; charset=UTF-8');
    expect(ct.type).toBe("multipart");
    expect(ct.subtype).toBe("mixed");
    expect([...ct.params]).toEqual([
      ["boundary", "Simple Boundary"],
      ["charset", "UTF-8"],
    ]);
  });

  it("unquotes quoted-pairs and tolerates a trailing semicolon", () => {
    const ct = parseContentType('multipart/mixed;boundary="a\\"b\\\\c";');
    expect(ct.params.get("boundary")).toBe('a"b\\c');
  });

  it("parses the SIPREC forms without spaces", () => {
    const ct = parseContentType("multipart/mixed;boundary=foobar");
    expect(ct.params.get("boundary")).toBe("foobar");
    expect(parseContentType("application/rs-metadata+xml").subtype).toBe("rs-metadata+xml");
  });

  it.each([
    ["no subtype", "multipart"],
    ["empty", ""],
    ["parameter without value", "multipart/mixed; boundary"],
    ["unterminated quote", 'multipart/mixed; boundary="abc'],
    ["repeated parameter", "multipart/mixed; boundary=a; boundary=b"],
    ["junk after subtype", "multipart/mixed junk"],
  ])("refuses %s", (_name, value) => {
    expectRefusal(() => parseContentType(value), /.+/);
  });
});

describe("parseMultipart vectors", () => {
  it("reads the RFC 2046 simple-boundary example, ignoring preamble and epilogue", () => {
    const { contentType, body } = mimeVector("rfc2046-simple-boundary.mime");
    const parts = parseMultipart(body, contentType);
    expect(parts).toHaveLength(2);
    expect(parts[0]?.headers).toEqual([]);
    expect(parts[0]?.contentType).toBe("text/plain; charset=US-ASCII");
    expect(parts[0]?.body.toString()).toBe(
      "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.",
    );
    expect(parts[1]?.contentType).toBe("text/plain; charset=us-ascii");
    expect(parts[1]?.body.toString()).toBe(
      "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n",
    );
  });

  it("tolerates bare LF line ends", () => {
    const { contentType, body } = mimeVector("lf-only-line-ends.mime");
    const parts = parseMultipart(body, contentType);
    expect(parts.map((p) => p.contentType)).toEqual(["application/sdp", "application/rs-metadata+xml"]);
    expect(parts[0]?.body.toString()).toMatch(/^v=0\n[\s\S]*a=label:1\n$/);
    expect(parts[1]?.headers).toEqual([
      { name: "Content-Type", value: "application/rs-metadata+xml" },
      { name: "Content-Disposition", value: "recording-session" },
    ]);
  });

  it("unfolds headers, accepts transport padding, keeps binary bodies byte for byte", () => {
    const { contentType, body } = mimeVector("folded-headers-and-padding.mime");
    const parts = parseMultipart(body, contentType);
    expect(parts).toHaveLength(2);
    expect(parts[0]?.headers[1]).toEqual({
      name: "Content-Disposition",
      value: "session; handling=required",
    });
    expect(parts[0]?.body.toString()).toBe("v=0");
    expect(parts[1]?.body).toEqual(
      Buffer.from([0, 1, 2, ...Buffer.from("binary\r\n--not-a-delimiter\r\n"), 0xff]),
    );
  });

  it.each([
    ["missing-closing-boundary.mime", /no closing "--foobar--" delimiter/],
    ["no-boundary-param.mime", /no boundary parameter/],
    ["boundary-too-long.mime", /71 characters, more than 70/],
    ["seventeen-parts.mime", /more than 16 parts/],
    ["no-parts.mime", /no parts/],
  ])("refuses invalid/%s", (file, pattern) => {
    const { contentType, body } = mimeVector(join("invalid", file));
    expectRefusal(() => parseMultipart(body, contentType), pattern);
  });

  it("has a test for every invalid vector", () => {
    expect(readdirSync(join(VECTORS, "invalid")).sort()).toEqual([
      "boundary-too-long.mime",
      "missing-closing-boundary.mime",
      "no-boundary-param.mime",
      "no-parts.mime",
      "seventeen-parts.mime",
    ]);
  });
});

describe("parseMultipart edge cases", () => {
  it("refuses a body without any delimiter", () => {
    expectRefusal(
      () => parseMultipart(Buffer.from("just text\r\n"), "multipart/mixed;boundary=x"),
      /no "--x"/,
    );
  });

  it("refuses a non-multipart Content-Type", () => {
    expectRefusal(() => parseMultipart(Buffer.from(""), "application/sdp"), /not multipart/);
  });

  it("refuses boundaries with characters outside bchars or ending in a space", () => {
    expectRefusal(() => parseMultipart(Buffer.from(""), 'multipart/mixed;boundary="a<b"'), /bchars/);
    expectRefusal(() => parseMultipart(Buffer.from(""), 'multipart/mixed;boundary="ab "'), /white space/);
  });

  it("does not take a longer boundary with the same prefix for a delimiter", () => {
    const body = Buffer.from("--b\r\nContent-Type: text/plain\r\n\r\n--bb is not ours\r\n--b--\r\n");
    const parts = parseMultipart(body, "multipart/mixed;boundary=b");
    expect(parts[0]?.body.toString()).toBe("--bb is not ours");
  });

  it("refuses a part whose header block is not header fields", () => {
    const body = Buffer.from("--b\r\nContent-Type: text/plain\r\nno colon here\r\n--b--\r\n");
    expectRefusal(() => parseMultipart(body, "multipart/mixed;boundary=b"), /not a header field/);
  });

  it("refuses two Content-Type fields in one part", () => {
    const body = Buffer.from(
      "--b\r\nContent-Type: text/plain\r\ncontent-type: text/html\r\n\r\nx\r\n--b--\r\n",
    );
    expectRefusal(() => parseMultipart(body, "multipart/mixed;boundary=b"), /more than one Content-Type/);
  });

  it("accepts exactly 16 parts", () => {
    const parts = Array.from({ length: 16 }, (_, i) => ({ contentType: "text/plain", body: `p${i}` }));
    const { contentType, body } = serializeMultipart(parts, "sixteen");
    expect(parseMultipart(body, contentType)).toHaveLength(16);
  });
});

describe("serializeMultipart", () => {
  it("writes the SIPREC layout with the given boundary", () => {
    const { contentType, body } = serializeMultipart(
      [
        { contentType: "application/sdp", body: "v=0\r\n" },
        {
          contentType: "application/rs-metadata+xml",
          headers: [{ name: "Content-Disposition", value: "recording-session" }],
          body: Buffer.from("<recording/>"),
        },
      ],
      "foobar",
    );
    expect(contentType).toBe("multipart/mixed;boundary=foobar");
    expect(body.toString()).toBe(
      "--foobar\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n" +
        "--foobar\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n" +
        "<recording/>\r\n--foobar--\r\n",
    );
  });

  it("round-trips parts, bodies byte for byte", () => {
    const input = [
      { contentType: "application/sdp", body: "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n" },
      { contentType: "application/octet-stream", body: Buffer.from([0, 13, 10, 45, 45, 255]) },
      {
        contentType: "text/plain; charset=utf-8",
        headers: [{ name: "Content-ID", value: "<a@b>" }],
        body: "",
      },
    ];
    const { contentType, body } = serializeMultipart(input);
    const parts = parseMultipart(body, contentType);
    expect(parts.map((p) => p.contentType)).toEqual(input.map((p) => p.contentType));
    expect(parts.map((p) => p.body)).toEqual(
      input.map((p) => (typeof p.body === "string" ? Buffer.from(p.body) : p.body)),
    );
    expect(parts[2]?.headers).toEqual([
      { name: "Content-Type", value: "text/plain; charset=utf-8" },
      { name: "Content-ID", value: "<a@b>" },
    ]);
  });

  it("derives a deterministic boundary that is a token and avoids the content", () => {
    const parts = [{ contentType: "text/plain", body: "hello" }];
    const a = serializeMultipart(parts);
    const b = serializeMultipart(parts);
    expect(a).toEqual(b);
    expect(a.contentType).toMatch(/^multipart\/mixed;boundary=forkline-[0-9a-f]{32}$/);
  });

  it("quotes a boundary that is not a token", () => {
    const { contentType, body } = serializeMultipart(
      [{ contentType: "text/plain", body: "x" }],
      "simple boundary",
    );
    expect(contentType).toBe('multipart/mixed;boundary="simple boundary"');
    expect(parseMultipart(body, contentType)[0]?.body.toString()).toBe("x");
  });

  it("refuses a boundary that appears in a part, and bad input", () => {
    expectRefusal(
      () => serializeMultipart([{ contentType: "text/plain", body: "a\r\n--foobar\r\n" }], "foobar"),
      /appears inside a part/,
    );
    expectRefusal(() => serializeMultipart([]), /no parts/);
    expectRefusal(
      () => serializeMultipart([{ contentType: "text/plain", body: "x" }], "x".repeat(71)),
      /more than 70/,
    );
    expectRefusal(
      () =>
        serializeMultipart([
          { contentType: "text/plain", headers: [{ name: "X-A", value: "a\r\nInjected: 1" }], body: "x" },
        ]),
      /line break/,
    );
    expectRefusal(
      () =>
        serializeMultipart([
          { contentType: "text/plain", headers: [{ name: "Content-Type", value: "text/html" }], body: "x" },
        ]),
      /contentType/,
    );
    expectRefusal(() => serializeMultipart([{ contentType: "nonsense", body: "x" }]), /no "\/"/);
  });
});
