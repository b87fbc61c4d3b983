import { describe, expect, it } from "vitest";

import { ProtocolParseError } from "../protocol-parse-error";
import {
  MSML_CONTENT_TYPE,
  MsmlError,
  MsmlStatus,
  describeMsmlStatus,
  formatMsmlDuration,
  isDialogId,
  isIndependentId,
  isSendTarget,
  isSipOrSipsUri,
  parseMsml,
  parseMsmlDuration,
  serializeMsmlEvent,
  serializeMsmlRequest,
  serializeMsmlResult,
  type MsmlRequest,
} from "./index";

const msml = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<msml version="1.1">${body}</msml>`;

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

describe("constants", () => {
  it("exports the MSML content type", () => {
    expect(MSML_CONTENT_TYPE).toBe("application/msml+xml");
  });

  it("has the RFC 5707 Section 11 response codes", () => {
    expect(MsmlStatus.OK).toEqual({ code: 200, description: "OK" });
    expect(MsmlStatus.BAD_REQUEST).toEqual({ code: 400, description: "Bad Request" });
    expect(MsmlStatus.MISSING_MANDATORY_ATTRIBUTE.code).toBe(408);
    expect(MsmlStatus.INVALID_ATTRIBUTE_VALUE.code).toBe(410);
    expect(MsmlStatus.OBJECT_DOES_NOT_EXIST.code).toBe(430);
    expect(MsmlStatus.NO_RESOURCE.code).toBe(520);
    expect(describeMsmlStatus(432)).toBe("Conference name already in use");
    expect(describeMsmlStatus(433)).toBeUndefined();
    const codes = Object.values(MsmlStatus).map((s) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("identifiers (RFC 5707 Section 6.2)", () => {
  it("accepts connection and conference identifiers", () => {
    expect(isIndependentId("conn:74jgd63956ts")).toBe(true);
    expect(isIndependentId("conf:abc")).toBe(true);
    expect(isIndependentId("conn:172.16.0.1:5060")).toBe(true);
    expect(isIndependentId("conference:abc")).toBe(false);
    expect(isIndependentId("conn:")).toBe(false);
    expect(isIndependentId("conn:a b")).toBe(false);
    expect(isIndependentId("conn:*")).toBe(false);
    expect(isIndependentId("conn:*", { allowWildcard: true })).toBe(true);
    expect(isIndependentId("conf:abc/dialog:recorder")).toBe(false);
  });

  it("accepts dialog identifiers rooted at a connection or conference", () => {
    expect(isDialogId("conf:abc/dialog:recorder")).toBe(true);
    expect(isDialogId("conn:abc/dialog:rec1")).toBe(true);
    expect(isDialogId("dialog:rec1")).toBe(false);
    expect(isDialogId("conf:abc/dialog:*")).toBe(false);
    expect(isDialogId("conf:abc/conn:def")).toBe(false);
  });

  it("accepts a dialog-internal target after a dialog identifier in <send> (Section 7.2)", () => {
    expect(isSendTarget("conn:abc/dialog:rec1")).toBe(true);
    expect(isSendTarget("conn:abc/dialog:rec1/record.r1")).toBe(true);
    expect(isSendTarget("conn:abc/record.r1")).toBe(false);
  });

  it("refuses bad identifiers in requests", () => {
    expect(() => parseMsml(msml('<join id1="conn:a" id2="peer:b"/>'))).toThrow(/not an MSML identifier/);
    expect(() => parseMsml(msml('<join id1="conn:*" id2="conf:b"/>'))).toThrow(/wildcards/);
    expect(() => parseMsml(msml('<dialogend id="conn:a"/>'))).toThrow(/not a dialog identifier/);
    expect(() => parseMsml(msml('<destroyconference id="conn:a"/>'))).toThrow(/not a conference identifier/);
  });

  it("answers 440 for joining a dialog (Section 8.8)", () => {
    const err = errorOf(() => parseMsml(msml('<join id1="conn:a/dialog:b" id2="conf:c"/>')));
    expect(err).toBeInstanceOf(MsmlError);
    expect((err as MsmlError).status).toBe(440);
  });

  it("allows a wildcard on one side of <unjoin> only (Section 8.10)", () => {
    expect(parseMsml(msml('<unjoin id1="conn:*" id2="conf:main"/>'))).toMatchObject({
      items: [{ kind: "unjoin", id1: "conn:*", id2: "conf:main" }],
    });
    expect(() => parseMsml(msml('<unjoin id1="conn:*" id2="conf:*"/>'))).toThrow(ProtocolParseError);
  });
});

describe("isSipOrSipsUri", () => {
  it.each([
    "sip:recorder@example.net",
    "sips:recorder.example.net;transport=tls",
    "SIP:10.0.0.1:5060",
    "sip:[2001:db8::1]:5061",
    "sip:rec@example.net?subject=x",
  ])("accepts %s", (uri) => expect(isSipOrSipsUri(uri)).toBe(true));

  it.each([
    "",
    "sip:",
    "sip:@host",
    "tel:+15551234",
    "file:///tmp/a.wav",
    "http://x",
    "sip:a b",
    "sip:<x>",
    "sipx:host",
  ])("refuses %j", (uri) => expect(isSipOrSipsUri(uri)).toBe(false));
});

describe("durations (posDuration.datatype)", () => {
  it("reads seconds and milliseconds", () => {
    expect(parseMsmlDuration("3s")).toBe(3000);
    expect(parseMsmlDuration("500ms")).toBe(500);
    expect(parseMsmlDuration("1.5s")).toBe(1500);
    expect(parseMsmlDuration("+10s")).toBe(10000);
    expect(parseMsmlDuration("3")).toBeUndefined();
    expect(parseMsmlDuration("-1s")).toBeUndefined();
    expect(parseMsmlDuration("3 s")).toBeUndefined();
  });

  it("writes whole seconds as s and the rest as ms", () => {
    expect(formatMsmlDuration(3000)).toBe("3s");
    expect(formatMsmlDuration(2500)).toBe("2500ms");
    expect(formatMsmlDuration(0)).toBe("0s");
  });
});

describe("parseMsml", () => {
  it("keeps the document order of request items", () => {
    const doc = parseMsml(
      msml(
        '<dialogend id="conn:a/dialog:x"/><createconference name="c"/><send target="conf:c" event="e"/>' +
          '<join id1="conn:a" id2="conf:c"/>',
      ),
    );
    expect(doc.type === "request" && doc.items.map((i) => i.kind)).toEqual([
      "dialogend",
      "createconference",
      "send",
      "join",
    ]);
  });

  it("resolves predefined entities and character references, and keeps CDATA literal", () => {
    const doc = parseMsml(
      msml(
        '<event name="app.x" id="conn:a"><name>a&amp;b &#65;&#x42;</name><value><![CDATA[<&amp;>]]></value></event>',
      ),
    );
    expect(doc).toMatchObject({ fields: [{ name: "a&b AB", value: "<&amp;>" }] });
  });

  it("refuses undeclared entity references", () => {
    expect(() => parseMsml(msml('<send target="conn:a" event="&foo;"/>'))).toThrow(/undeclared entity/);
    expect(() => parseMsml(msml('<send target="conn:a" event="&#0;"/>'))).toThrow(/not an XML character/);
  });

  it("refuses DTDs regardless of case", () => {
    for (const decl of ["<!DOCTYPE msml>", "<!doctype msml>", '<!EnTiTy x "y">']) {
      expect(() => parseMsml(`${decl}<msml version="1.1"><result response="200"/></msml>`)).toThrow(
        /DTD and entity declarations are not allowed/,
      );
    }
  });

  it("refuses boolean attributes and a wrong root", () => {
    expect(() => parseMsml('<msml version="1.1"><join id1="conn:a" id2="conn:b" x/></msml>')).toThrow(
      /malformed XML: .*line 1/,
    );
    expect(() => parseMsml('<moml version="1.1"/>')).toThrow(/root element must be <msml>/);
    expect(() => parseMsml("<msml/>")).toThrow(/missing required attribute "version"/);
    expect(() => parseMsml('<msml version="1.1"/>')).toThrow(/<msml> is empty/);
    expect(() => parseMsml(msml("hello"))).toThrow(/unexpected text inside <msml>/);
  });

  it("refuses mixing results, events and requests", () => {
    expect(() => parseMsml(msml('<join id1="conn:a" id2="conn:b"/><result response="200"/>'))).toThrow(
      /<result> cannot be combined/,
    );
    expect(() => parseMsml(msml('<event name="e" id="conn:a"/><result response="200"/>'))).toThrow(
      /<event> cannot be combined/,
    );
  });

  it("answers 402 for RFC 5707 elements this engine does not implement", () => {
    const err = errorOf(() => parseMsml(msml('<modifyconference id="conf:a"/>')));
    expect(err).toBeInstanceOf(MsmlError);
    expect((err as MsmlError).status).toBe(402);
  });

  it("validates streams", () => {
    expect(() => parseMsml(msml('<join id1="conn:a" id2="conn:b"><stream media="text"/></join>'))).toThrow(
      /media must be "audio" or "video"/,
    );
    expect(() =>
      parseMsml(msml('<join id1="conn:a" id2="conn:b"><stream media="audio" dir="both"/></join>')),
    ).toThrow(/dir must be/);
    expect(() => parseMsml(msml('<join id1="conn:a" id2="conn:b"><stream/></join>'))).toThrow(
      /<stream> is missing required attribute "media"/,
    );
    expect(() =>
      parseMsml(
        msml('<unjoin id1="conn:a" id2="conn:b"><stream media="audio"><gain amt="-3"/></stream></unjoin>'),
      ),
    ).toThrow(/must be empty/);
    const err = errorOf(() =>
      parseMsml(
        msml('<join id1="conn:a" id2="conn:b"><stream media="audio"><gain amt="-3"/></stream></join>'),
      ),
    );
    expect((err as MsmlError).status).toBe(402);
  });

  it("validates createconference attributes", () => {
    expect(() => parseMsml(msml('<createconference deletewhen="sometimes"/>'))).toThrow(/deletewhen/);
    expect(() => parseMsml(msml('<createconference name="a b"/>'))).toThrow(/invalid name/);
    expect(() => parseMsml(msml('<createconference mark="a b"/>'))).toThrow(/invalid mark/);
  });

  describe("<dialogstart> with <record>", () => {
    const start = (record: string): string =>
      msml(`<dialogstart target="conn:a" name="rec1" type="application/moml+xml">${record}</dialogstart>`);

    it("reads the SIPREC recording request", () => {
      const doc = parseMsml(start('<record dest="  sip:r1@x.net   sips:r2@y.net " attempttimeout="500ms"/>'));
      expect(doc).toMatchObject({
        items: [
          { kind: "dialogstart", record: { dest: ["sip:r1@x.net", "sips:r2@y.net"], attemptTimeoutMs: 500 } },
        ],
      });
    });

    it("refuses file: and other non-SIP destinations with 410", () => {
      const file = errorOf(() => parseMsml(start('<record dest="sip:r1@x.net FILE:/tmp/x.wav"/>')));
      expect(file).toBeInstanceOf(MsmlError);
      expect(file.message).toBe("local file recording is not supported");
      expect((file as MsmlError).status).toBe(410);
      const http = errorOf(() => parseMsml(start('<record dest="http://rec.example/upload"/>')));
      expect(http).toBeInstanceOf(MsmlError);
      expect(http.message).toBe("recording destination must be a SIP or SIPS URI");
      expect((http as MsmlError).status).toBeGreaterThanOrEqual(400);
      expect((http as MsmlError).status).toBeLessThan(500);
    });

    it("refuses a missing dest, a bad timeout, duplicate params and unknown children", () => {
      expect(() => parseMsml(start("<record/>"))).toThrow(/<record> is missing required attribute "dest"/);
      expect(() => parseMsml(start('<record dest="sip:r@x" attempttimeout="soon"/>'))).toThrow(
        /attempttimeout/,
      );
      expect(() =>
        parseMsml(
          start('<record dest="sip:r@x"><param name="a">1</param><param name="a">2</param></record>'),
        ),
      ).toThrow(/two <param name="a">/);
      expect(() => parseMsml(start('<record dest="sip:r@x"><param>1</param></record>'))).toThrow(
        /<param> is missing required attribute "name"/,
      );
      expect(errorOf(() => parseMsml(start('<record dest="sip:r@x"><recordexit/></record>')))).toBeInstanceOf(
        MsmlError,
      );
    });

    it("refuses a dialogstart with no known dialog", () => {
      expect(() => parseMsml(start(""))).toThrow(/has no dialog/);
      expect((errorOf(() => parseMsml(start("<collect/>"))) as MsmlError).status).toBe(402);
      expect(() => parseMsml(start("<play/>"))).toThrow(/<play> has nothing to play/);
      expect(() => parseMsml(msml('<dialogstart name="x"><record dest="sip:r@x"/></dialogstart>'))).toThrow(
        /missing required attribute "target"/,
      );
    });

    it("plays only one synthesised tone: other media 402, attributes that change the play 407", () => {
      const tone = '<audio uri="tone:1400;duration=500ms"/>';
      const status = (body: string) => (errorOf(() => parseMsml(start(body))) as MsmlError).status;
      expect(status(`<play><tts uri="x"/></play>`)).toBe(402);
      expect(status(`<play>${tone}${tone}</play>`)).toBe(402);
      expect(status(`<play maxtime="2s">${tone}</play>`)).toBe(407);
      expect(status('<play><audio uri="tone:1400;duration=500ms" iterations="2"/></play>')).toBe(407);
      expect(status(`<record dest="sip:r@x"/><play>${tone}</play>`)).toBe(402);
      expect(status('<play><audio uri="http://example.com/beep.wav"/></play>')).toBe(410);
      expect(status(`<play iterate="0">${tone}</play>`)).toBe(410);
      expect(status(`<play iterate="2" interval="7200s">${tone}</play>`)).toBe(410);
      expect(() => parseMsml(start(`<play whilerecording="conn:a">${tone}</play>`))).toThrow(
        /whilerecording "conn:a" is not a dialog identifier/,
      );
      expect(() => parseMsml(start(`<play interval="soon">${tone}</play>`))).toThrow(/interval "soon"/);
    });

    it("writes only the plays it reads", () => {
      const play = (tone: { frequencyHz: number; durationMs: number }, iterations?: "forever") =>
        serializeMsmlRequest({
          version: "1.1",
          items: [
            {
              kind: "dialogstart",
              target: "conn:a",
              play: { tone, ...(iterations === undefined ? {} : { iterations }) },
            },
          ],
        });
      expect(play({ frequencyHz: 1400, durationMs: 500 })).toContain(
        '<audio uri="tone:1400;duration=500ms"/>',
      );
      expect((errorOf(() => play({ frequencyHz: 100, durationMs: 500 })) as MsmlError).status).toBe(410);
      expect(
        (errorOf(() => play({ frequencyHz: 1400, durationMs: 500 }, "forever")) as MsmlError).status,
      ).toBe(410);
      expect(() => play({ frequencyHz: 1400.5, durationMs: 500 })).toThrow(/whole hertz/);
    });

    it("answers 420 for a dialog language other than MSML dialogs", () => {
      const err = errorOf(() =>
        parseMsml(
          msml(
            '<dialogstart target="conn:a" type="application/vxml+xml"><record dest="sip:r@x"/></dialogstart>',
          ),
        ),
      );
      expect((err as MsmlError).status).toBe(420);
    });
  });

  it("reads results with a description, and refuses malformed ones", () => {
    expect(
      parseMsml(msml('<result response="420" mark="m1"><description> no </description></result>')),
    ).toEqual({
      type: "result",
      version: "1.1",
      response: 420,
      mark: "m1",
      description: "no",
    });
    expect(() => parseMsml(msml('<result response="20"/>'))).toThrow(/three-digit/);
    expect(() => parseMsml(msml("<result/>"))).toThrow(/missing required attribute "response"/);
    expect(() => parseMsml(msml('<result response="200"><confid>conn:x</confid></result>'))).toThrow(
      /<confid>/,
    );
    expect(() => parseMsml(msml('<result response="200"><foo/></result>'))).toThrow(
      /unexpected element <foo>/,
    );
  });

  it("requires <value> after every <name> in an event", () => {
    expect(() => parseMsml(msml('<event name="e" id="conn:a"><name>k</name></event>'))).toThrow(
      /followed by a <value>/,
    );
    expect(() => parseMsml(msml('<event name="e" id="conn:a"><value>k</value></event>'))).toThrow(
      /expected <name>/,
    );
    expect(() => parseMsml(msml('<event id="conn:a"/>'))).toThrow(/missing required attribute "name"/);
  });
});

describe("serializers", () => {
  const request: MsmlRequest = {
    version: "1.1",
    items: [
      { kind: "createconference", name: "c1", deletewhen: "nocontrol", mark: "1" },
      { kind: "join", id1: "conn:a", id2: "conf:c1", streams: [{ media: "audio", dir: "from-id1" }] },
      {
        kind: "dialogstart",
        target: "conf:c1",
        name: "rec1",
        type: "application/moml+xml",
        record: {
          dest: ["sip:rec@example.net", "sips:rec2@example.net"],
          attemptTimeoutMs: 3000,
          recordingId: "r-1",
          params: { note: 'a "quoted" <b> & c', multi: "line1\nline2" },
        },
      },
      { kind: "send", target: "conf:c1/dialog:rec1", event: "terminate", valuelist: "a b" },
      { kind: "unjoin", id1: "conn:a", id2: "conf:c1", streams: [] },
      { kind: "dialogend", id: "conf:c1/dialog:rec1" },
      { kind: "destroyconference", id: "conf:c1" },
    ],
  };

  it("writes a request in the expected layout", () => {
    expect(serializeMsmlRequest(request)).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<msml version="1.1">',
        '  <createconference name="c1" deletewhen="nocontrol" mark="1"/>',
        '  <join id1="conn:a" id2="conf:c1">',
        '    <stream media="audio" dir="from-id1"/>',
        "  </join>",
        '  <dialogstart target="conf:c1" name="rec1" type="application/moml+xml">',
        '    <record dest="sip:rec@example.net sips:rec2@example.net" attempttimeout="3s" recordingid="r-1">',
        '      <param name="note">a "quoted" &lt;b&gt; &amp; c</param>',
        '      <param name="multi">line1\nline2</param>',
        "    </record>",
        "  </dialogstart>",
        '  <send target="conf:c1/dialog:rec1" event="terminate" valuelist="a b"/>',
        '  <unjoin id1="conn:a" id2="conf:c1"/>',
        '  <dialogend id="conf:c1/dialog:rec1"/>',
        '  <destroyconference id="conf:c1"/>',
        "</msml>",
        "",
      ].join("\n"),
    );
  });

  it("round-trips a request", () => {
    expect(parseMsml(serializeMsmlRequest(request))).toStrictEqual({ type: "request", ...request });
  });

  it("escapes attribute values so they cannot break out", () => {
    const evil = {
      version: "1.1" as const,
      name: 'x" injected="1',
      id: "conn:a",
      fields: [{ name: "<k>", value: "]]>&" }],
    };
    const xml = serializeMsmlEvent(evil);
    expect(xml).toContain('name="x&quot; injected=&quot;1"');
    expect(parseMsml(xml)).toStrictEqual({ type: "event", ...evil });
  });

  it("writes results and events", () => {
    const res = { version: "1.1" as const, response: 200, confid: "conf:x", dialogid: "conf:x/dialog:y" };
    expect(serializeMsmlResult(res)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<msml version="1.1">\n  <result response="200">\n' +
        "    <confid>conf:x</confid>\n    <dialogid>conf:x/dialog:y</dialogid>\n  </result>\n</msml>\n",
    );
    expect(serializeMsmlResult({ version: "1.1", response: 200 })).toContain('<result response="200"/>');
    const ev = { version: "1.1" as const, name: "msml.dialog.exit", id: "conn:a/dialog:r", fields: [] };
    expect(parseMsml(serializeMsmlEvent(ev))).toStrictEqual({ type: "event", ...ev });
  });

  it("refuses to write what the parser would refuse", () => {
    const bad = (item: MsmlRequest["items"][number]): MsmlRequest => ({ version: "1.1", items: [item] });
    expect(() => serializeMsmlRequest({ version: "1.1", items: [] })).toThrow(ProtocolParseError);
    expect(() =>
      serializeMsmlRequest(bad({ kind: "join", id1: "conn:a", id2: "bogus", streams: [] })),
    ).toThrow(ProtocolParseError);
    expect(() => serializeMsmlRequest(bad({ kind: "dialogstart", target: "conn:a" }))).toThrow(
      /has no dialog/,
    );
    expect(
      errorOf(() =>
        serializeMsmlRequest(
          bad({ kind: "dialogstart", target: "conn:a", record: { dest: ["file:///tmp/x.wav"], params: {} } }),
        ),
      ),
    ).toBeInstanceOf(MsmlError);
    expect(() =>
      serializeMsmlRequest(
        bad({
          kind: "dialogstart",
          target: "conn:a",
          record: { dest: ["sip:a@b"], attemptTimeoutMs: -1, params: {} },
        }),
      ),
    ).toThrow(/attemptTimeoutMs/);
    expect(() => serializeMsmlResult({ version: "1.1", response: 42 })).toThrow(/three-digit/);
    expect(() => serializeMsmlEvent({ version: "1.1", name: "e\u0001", id: "conn:a", fields: [] })).toThrow(
      /character XML cannot carry/,
    );
  });
});

describe("<record> participants (Forkline extension for SIPREC metadata)", () => {
  const request = {
    version: "1.1" as const,
    items: [
      {
        kind: "dialogstart" as const,
        target: "conn:abc",
        name: "rec1",
        type: "application/moml+xml",
        record: {
          dest: ["sip:srs@127.0.0.1:5080"],
          recordingId: "rec-1",
          params: { campaign: "spring" },
          participants: [
            {
              conn: "conn:abc",
              aor: "sip:1001@forkline",
              name: "Alice",
              dn: "1001",
              agentId: "5001",
              role: "agent" as const,
            },
            { conn: "conn:def", aor: "sip:+15551230001@pstn", role: "customer" as const },
          ],
        },
      },
    ],
  };

  it("round-trips", () => {
    const parsed = parseMsml(serializeMsmlRequest(request));
    expect(parsed).toEqual({ type: "request", ...request });
  });

  it("refuses a participant without a connection id or with an unknown role", () => {
    const xml = serializeMsmlRequest(request);
    expect(() => parseMsml(xml.replace('conn="conn:def"', 'conn="conf:def"'))).toThrow(/not a connection id/);
    expect(() => parseMsml(xml.replace('role="customer"', 'role="boss"'))).toThrow(/agent or customer/);
  });
});
