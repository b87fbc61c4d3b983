import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { ProtocolParseError } from "../protocol-parse-error";
import {
  MsmlError,
  MsmlStatus,
  parseMsml,
  serializeMsmlEvent,
  serializeMsmlRequest,
  serializeMsmlResult,
  type MsmlDocument,
} from "./index";

const VECTORS = join(fileURLToPath(new URL(".", import.meta.url)), "__vectors__");

function vector(path: string): Buffer {
  return readFileSync(join(VECTORS, path));
}

function serialize(doc: MsmlDocument): string {
  switch (doc.type) {
    case "request": {
      const { type: _type, ...req } = doc;
      return serializeMsmlRequest(req);
    }
    case "result": {
      const { type: _type, ...res } = doc;
      return serializeMsmlResult(res);
    }
    case "event": {
      const { type: _type, ...ev } = doc;
      return serializeMsmlEvent(ev);
    }
  }
}

/** Parsed form of every valid vector. */
const EXPECTED: Record<string, MsmlDocument> = {
  // RFC 5707 Section 8.3
  "createconference.xml": {
    type: "request",
    version: "1.1",
    items: [{ kind: "createconference", name: "example" }],
  },
  // RFC 5707 Section 12.1, Step 4
  "createconference-nocontrol.xml": {
    type: "request",
    version: "1.1",
    items: [{ kind: "createconference", name: "exampleConf", deletewhen: "nocontrol" }],
  },
  // RFC 5707 Section 8.8 (coaching)
  "join-coaching.xml": {
    type: "request",
    version: "1.1",
    items: [
      { kind: "join", id1: "conn:supervisor", id2: "conn:agent", streams: [] },
      { kind: "join", id1: "conn:agent", id2: "conn:customer", streams: [] },
      {
        kind: "join",
        id1: "conn:supervisor",
        id2: "conn:customer",
        streams: [{ media: "audio", dir: "to-id1" }],
      },
    ],
  },
  // RFC 5707 Section 8.8 (multimedia conference)
  "join-multimedia.xml": {
    type: "request",
    version: "1.1",
    items: [
      {
        kind: "join",
        id1: "conn:hd83t5hf7g3",
        id2: "conf:example",
        streams: [{ media: "audio" }, { media: "video", dir: "from-id1" }, { media: "video", dir: "to-id1" }],
      },
    ],
  },
  // RFC 5707 Section 12.2, Step 3
  "unjoin-rejoin-main.xml": {
    type: "request",
    version: "1.1",
    items: [
      { kind: "unjoin", id1: "conn:gs5s4-1", id2: "conf:sidebarConf", streams: [] },
      { kind: "join", id1: "conn:gs5s4-1", id2: "conf:exampleConf", streams: [] },
      { kind: "unjoin", id1: "conn:hd764gr9-2", id2: "conf:sidebarConf", streams: [] },
      { kind: "join", id1: "conn:hd764gr9-2", id2: "conf:exampleConf", streams: [] },
      { kind: "unjoin", id1: "conn:h37frdvgs65-3", id2: "conf:sidebarConf", streams: [] },
      { kind: "join", id1: "conn:h37frdvgs65-3", id2: "conf:exampleConf", streams: [] },
    ],
  },
  // RFC 5707 Section 9.6.2
  "dialogend.xml": {
    type: "request",
    version: "1.1",
    items: [{ kind: "dialogend", id: "conn:abcd1234/dialog:sample" }],
  },
  "destroyconference.xml": {
    type: "request",
    version: "1.1",
    items: [{ kind: "destroyconference", id: "conf:exampleConf", mark: "bye" }],
  },
  "send.xml": {
    type: "request",
    version: "1.1",
    items: [{ kind: "send", target: "conn:abcd1234/dialog:sample", event: "terminate", mark: "stop-1" }],
  },
  "dialogstart-record.xml": {
    type: "request",
    version: "1.1",
    items: [
      { kind: "createconference", name: "call-7f3a", deletewhen: "nocontrol", mark: "1" },
      { kind: "join", id1: "conn:a73kd9", id2: "conf:call-7f3a", streams: [], mark: "2" },
      { kind: "join", id1: "conn:b81nq2", id2: "conf:call-7f3a", streams: [], mark: "3" },
      {
        kind: "dialogstart",
        target: "conf:call-7f3a",
        name: "rec1",
        type: "application/moml+xml",
        mark: "4",
        record: {
          dest: ["sips:recorder1.example.net;transport=tls", "sip:recorder2.example.net:5080"],
          attemptTimeoutMs: 3000,
          recordingId: "3f2d1c7a-8b4e-4d2a-9c61-0e5f7a9b2c10",
          dtmfMasking: "events",
          encryption: "required",
          params: { tenant: "acme & sons", reason: "compliance" },
        },
      },
    ],
  },
  // The recording notification tone to both parties (msml-play.ts)
  "dialogstart-play-tone.xml": {
    type: "request",
    version: "1.1",
    items: [
      {
        kind: "dialogstart",
        target: "conn:a73kd9",
        type: "application/moml+xml",
        mark: "tone-agent",
        play: { tone: { frequencyHz: 1400, durationMs: 500 }, whileRecording: "conn:a73kd9/dialog:rec1" },
      },
      {
        kind: "dialogstart",
        target: "conn:b81nq2",
        type: "application/moml+xml",
        mark: "tone-customer",
        play: { tone: { frequencyHz: 1400, durationMs: 500 }, whileRecording: "conn:a73kd9/dialog:rec1" },
      },
    ],
  },
  "dialogstart-play-tone-repeat.xml": {
    type: "request",
    version: "1.1",
    items: [
      {
        kind: "dialogstart",
        target: "conn:b81nq2",
        name: "rec1-tone",
        type: "application/moml+xml",
        play: {
          tone: { frequencyHz: 1400, durationMs: 500 },
          iterations: "forever",
          intervalMs: 15_000,
          whileRecording: "conn:a73kd9/dialog:rec1",
        },
      },
    ],
  },
  "dialogstart-play-tone-twice.xml": {
    type: "request",
    version: "1.1",
    items: [
      {
        kind: "dialogstart",
        target: "conn:b81nq2",
        type: "application/moml+xml",
        play: { tone: { frequencyHz: 440, durationMs: 200 }, iterations: 2, intervalMs: 1500 },
      },
    ],
  },
  // RFC 5707 Section 12.1, Step 5
  "result-200.xml": { type: "result", version: "1.1", response: 200 },
  // RFC 5707 Section 12.1, Step 13 (<dialogid> written as a sibling of <result>)
  "result-dialogid-sibling.xml": {
    type: "result",
    version: "1.1",
    response: 200,
    dialogid: "conn:jd87dfg4h/dialog:12345",
  },
  "result-error.xml": {
    type: "result",
    version: "1.1",
    response: 430,
    mark: "join-1",
    description: "Object does not exist",
  },
  "result-confid.xml": {
    type: "result",
    version: "1.1",
    response: 200,
    confid: "conf:b2f1c6e0-media-engine",
  },
  // RFC 5707 Section 12.1, Step 15
  "event-dialog-exit.xml": {
    type: "event",
    version: "1.1",
    name: "msml.dialog.exit",
    id: "conn:jd87dfg4h/dialog:12345",
    fields: [],
  },
  // RFC 5707 Section 8.6.2, inside <msml version="1.1">
  "event-asn.xml": {
    type: "event",
    version: "1.1",
    name: "msml.conf.asn",
    id: "conf:example",
    fields: [
      { name: "speaker", value: "conn:hd93tg5hdf" },
      { name: "speaker", value: "conn:w8cn59vei7" },
      { name: "speaker", value: "conn:p78fnh6sek47fg" },
    ],
  },
};

describe("MSML vectors: valid documents", () => {
  const files = readdirSync(VECTORS).filter((f) => f.endsWith(".xml"));

  it("has an expectation for every valid vector", () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`parses ${file}`, () => {
      expect(parseMsml(vector(file))).toStrictEqual(EXPECTED[file]);
    });

    it(`round-trips ${file} (parse → serialize → parse)`, () => {
      const first = parseMsml(vector(file));
      const xml = serialize(first);
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<msml version="1.1">')).toBe(true);
      expect(parseMsml(xml)).toStrictEqual(first);
      expect(serialize(parseMsml(xml))).toBe(xml);
    });
  }
});

describe("MSML vectors: RFC 5707 documents this media engine declines", () => {
  it("refuses a <play> of an audio file (RFC 5707 Section 8.10) with 410: only synthesised tones play", () => {
    const err = catchError(() => parseMsml(vector("unsupported/unjoin-then-play.xml")));
    expect(err).toBeInstanceOf(MsmlError);
    expect((err as MsmlError).status).toBe(MsmlStatus.INVALID_ATTRIBUTE_VALUE.code);
    expect((err as MsmlError).message).toBe(
      '<audio> uri "file://leave_tone.wav": only synthesised tones (tone:<hertz>;duration=<time>) can be played',
    );
  });

  it("refuses an external VoiceXML dialog (RFC 5707 Section 9.6.1) with 407", () => {
    const err = catchError(() => parseMsml(vector("unsupported/dialogstart-vxml-src.xml")));
    expect(err).toBeInstanceOf(MsmlError);
    expect((err as MsmlError).status).toBe(MsmlStatus.ATTRIBUTE_NOT_SUPPORTED.code);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

describe("MSML vectors: refused documents", () => {
  const cases: Record<
    string,
    { error: typeof ProtocolParseError | typeof MsmlError; message: RegExp; status?: number }
  > = {
    "billion-laughs.xml": {
      error: ProtocolParseError,
      message: /DTD and entity declarations are not allowed/,
    },
    "xxe.xml": { error: ProtocolParseError, message: /DTD and entity declarations are not allowed/ },
    "doctype-only.xml": { error: ProtocolParseError, message: /DTD and entity declarations are not allowed/ },
    "malformed.xml": { error: ProtocolParseError, message: /malformed XML: .*\(line \d+, column \d+\)/ },
    "wrong-version.xml": { error: ProtocolParseError, message: /unsupported MSML version "1\.0"/ },
    "unknown-element.xml": { error: ProtocolParseError, message: /unknown element <launchmissiles>/ },
    "join-missing-id2.xml": {
      error: ProtocolParseError,
      message: /<join> is missing required attribute "id2"/,
    },
    "bad-dtmfmask.xml": {
      error: MsmlError,
      message: /^<record> dtmfmask "digits-please" is not one of off, events, events\+inband$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "bad-encryption.xml": {
      error: MsmlError,
      message: /^<record> encryption "yes-please" is not one of off, optional, required$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "play-bad-frequency.xml": {
      error: MsmlError,
      message: /^tone frequency 5000 Hz is outside 300–3400 Hz$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "play-duration-out-of-range.xml": {
      error: MsmlError,
      message: /^tone duration 10000 ms is outside 20–5000 ms$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "play-not-a-tone.xml": {
      error: MsmlError,
      message: /^<audio> uri "tone:1400Hz" is not tone:<hertz>;duration=<time>$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "play-forever-without-interval.xml": {
      error: MsmlError,
      message: /^<play iterate="forever"> needs an interval: the tone would never stop$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "play-interval-too-short.xml": {
      error: MsmlError,
      message: /^<play> interval 1000 ms is shorter than its 2000 ms tone$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
    "file-dest.xml": {
      error: MsmlError,
      message: /^local file recording is not supported$/,
      status: MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
    },
  };

  it("has an expectation for every invalid vector", () => {
    expect(readdirSync(join(VECTORS, "invalid")).sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [file, expected] of Object.entries(cases)) {
    it(`refuses invalid/${file}`, () => {
      const err = catchError(() => parseMsml(vector(join("invalid", file))));
      expect(err).toBeInstanceOf(expected.error);
      expect((err as Error).message).toMatch(expected.message);
      if (err instanceof ProtocolParseError) expect(err.protocol).toBe("msml");
      if (expected.status !== undefined) expect((err as MsmlError).status).toBe(expected.status);
    });
  }

  it("refuses an oversized document (more than 64 KiB)", () => {
    const padding = "<!-- " + "x".repeat(64 * 1024) + " -->";
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<msml version="1.1">${padding}<result response="200"/></msml>`;
    const err = catchError(() => parseMsml(xml));
    expect(err).toBeInstanceOf(ProtocolParseError);
    expect((err as Error).message).toMatch(/more than the 65536 allowed/);
    expect(() => parseMsml(Buffer.from(xml, "utf8"))).toThrow(ProtocolParseError);
  });
});
