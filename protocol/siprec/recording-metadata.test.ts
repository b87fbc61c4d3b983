import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { parseMultipart } from "../multipart";
import {
  FORKLINE_NS,
  MAX_METADATA_BYTES,
  RECORDING_NS,
  isSiprecInvite,
  newMetadataId,
  parseRecordingMetadata,
  serializeRecordingMetadata,
  type RecordingMetadata,
} from "./index";
import { expectParseError } from "../test-support/expect-parse-error";

const VECTORS = join(fileURLToPath(new URL(".", import.meta.url)), "__vectors__");

function vector(path: string): Buffer {
  return readFileSync(join(VECTORS, path));
}

/** A `.sip` vector: a whole SIP request. Returns unfolded headers (lower-cased names) and the body. */
function sipVector(path: string): { headers: Map<string, string[]>; body: Buffer } {
  const raw = vector(path);
  const end = raw.indexOf("\r\n\r\n");
  const lines = raw.toString("latin1", 0, end).split("\r\n").slice(1);
  const headers = new Map<string, string[]>();
  let last: { name: string; index: number } | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      const values = headers.get(last.name) ?? [];
      values[last.index] = `${values[last.index] ?? ""} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
    last = { name, index: values.length - 1 };
  }
  const body = raw.subarray(end + 4);
  const declared = Number(headers.get("content-length")?.[0]);
  expect(body.length).toBe(declared);
  return { headers, body };
}

function metadataOf(path: string): { invite: ReturnType<typeof sipVector>; metadata: RecordingMetadata } {
  const invite = sipVector(path);
  const contentType = invite.headers.get("content-type")?.[0] ?? "";
  const parts = parseMultipart(invite.body, contentType);
  expect(parts).toHaveLength(2);
  expect(parts[0]?.contentType.toLowerCase()).toBe("application/sdp");
  const mdPart = parts[1];
  if (mdPart === undefined) throw new Error("no metadata part");
  expect(mdPart.contentType).toMatch(/^application\/rs-metadata(\+xml)?$/);
  expect(mdPart.headers).toContainEqual({ name: "Content-Disposition", value: "recording-session" });
  // every stream label in the metadata is an a=label of the SDP
  const labels = [...(parts[0]?.body ?? Buffer.alloc(0)).toString().matchAll(/^a=label:(.+?)\r?$/gm)].map(
    (m) => m[1],
  );
  const metadata = parseRecordingMetadata(mdPart.body);
  for (const stream of metadata.streams) expect(labels).toContain(stream.label);
  return { invite, metadata };
}

const expectRefusal = (fn: () => unknown, pattern: RegExp) =>
  expectParseError(fn, "siprec-metadata", pattern);

const SESSION = "hVpd7YQgRW2nD22h7q60JQ==";
const BOB = "srfBElmCRp2QB23b7Mpk0w==";
const PAUL = "zSfPoSvdSDCmU3A3TRDxAw==";
const S96 = "UAAMm5GRQKSCMVvLyl4rFw==";
const S97 = "i1Pz3to5hGk8fuXl+PbwCw==";
const S98 = "8zc6e0lYTlWIINA6GR+3ag==";
const S99 = "EiXGlc+4TruqqoDaNE76ag==";

describe("RFC vectors", () => {
  it("reads the RFC 7865 complete metadata example", () => {
    const m = parseRecordingMetadata(vector("rfc7865-complete-example.xml"));
    expect(m).toEqual({
      dataMode: "complete",
      session: {
        id: SESSION,
        sipSessionId: "ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2",
      },
      group: { id: "7+OTCyoxTmqmqyA/1weDAg==", associateTime: "2010-12-16T23:41:07Z" },
      participants: [
        { id: BOB, aor: "sip:bob@biloxi.com", name: "Bob", send: [S97, S96], receive: [S98, S99] },
        { id: PAUL, aor: "sip:Paul@biloxi.com", name: "Paul", send: [S98, S99], receive: [S96, S97] },
      ],
      streams: [
        { id: S96, label: "96", sessionId: SESSION },
        { id: S97, label: "97", sessionId: SESSION },
        { id: S98, label: "98", sessionId: SESSION },
        { id: S99, label: "99", sessionId: SESSION },
      ],
      associateTime: "2010-12-16T23:41:07Z",
      extension: { params: {} },
    } satisfies RecordingMetadata);
  });

  it("reads the RFC 7866 example INVITE: SIPREC headers, multipart body, metadata", () => {
    const { invite, metadata } = metadataOf("rfc7866-invite-complete.sip");
    expect(
      isSiprecInvite({
        require: invite.headers.get("require") ?? [],
        contact: invite.headers.get("contact")?.[0],
        contentType: invite.headers.get("content-type")?.[0],
      }),
    ).toEqual({ ok: true });
    expect(metadata.participants.map((p) => [p.aor, p.name])).toEqual([
      ["sip:alice@atlanta.com", "Alice"],
      ["sip:bob@biloxy.com", "Bob"],
    ]);
    expect(metadata.group?.id).toBe("7+OTCyoxTmqmqyA/1weDAg==");
    expect(metadata.streams.map((s) => s.label)).toEqual(["96", "97", "98", "99"]);
  });

  it("reads the RFC 7866 hold example as partial metadata", () => {
    const invite = sipVector("rfc7866-invite-partial-hold.sip");
    const parts = parseMultipart(invite.body, invite.headers.get("content-type")?.[0] ?? "");
    const m = parseRecordingMetadata(parts[1]?.body ?? Buffer.alloc(0));
    expect(m).toEqual({
      dataMode: "partial",
      session: { id: "" },
      participants: [
        { id: BOB, aor: "", send: [], receive: [S98, S99] },
        { id: PAUL, aor: "", send: [S98, S99], receive: [] },
      ],
      streams: [],
      extension: { params: {} },
    } satisfies RecordingMetadata);
  });
});

describe("vendor-style vectors (written by us, not captures)", () => {
  it("reads the Cisco CUBE-style INVITE, skipping Cisco extension data", () => {
    const { invite, metadata } = metadataOf("cisco-cube-style-invite.sip");
    expect(
      isSiprecInvite({
        require: invite.headers.get("require") ?? [],
        contact: invite.headers.get("contact")?.[0],
        contentType: invite.headers.get("content-type")?.[0],
      }),
    ).toEqual({ ok: true });
    expect(metadata.session.startTime).toBe("2024-03-11T14:02:31.288Z");
    expect(metadata.participants.map((p) => [p.aor, p.send.length, p.receive.length])).toEqual([
      ["sip:+14155550123@10.20.30.5", 1, 1],
      ["sip:2001@10.20.30.40", 1, 1],
    ]);
    expect(metadata.extension).toEqual({ params: {} });
  });

  it("reads the Genesys-style INVITE with a quoted boundary", () => {
    const { invite, metadata } = metadataOf("genesys-style-invite.sip");
    expect(invite.headers.get("content-type")?.[0]).toContain('boundary="GSipServer_MP_1710166000_7"');
    expect(metadata.streams.map((s) => s.label)).toEqual(["0", "1"]);
    expect(metadata.participants[1]?.agentId).toBeUndefined(); // ext:agentid is Genesys', not ours
  });
});

describe("invalid vectors", () => {
  it.each([
    ["xxe.xml", /DOCTYPE declarations are not allowed/],
    ["billion-laughs.xml", /DOCTYPE declarations are not allowed/],
    ["doctype.xml", /DOCTYPE declarations are not allowed/],
    ["malformed.xml", /malformed XML/],
    ["missing-session.xml", /missing <session>/],
    [
      "unknown-stream-ref.xml",
      /participant srfBElmCRp2QB23b7Mpk0w== recv references unknown stream i1Pz3to5/,
    ],
    ["wrong-namespace.xml", /expected <recording> in urn:ietf:params:xml:ns:recording:1/],
    ["undeclared-entity.xml", /entity reference "&external;"|malformed XML/],
  ])("refuses %s", (file, pattern) => {
    expectRefusal(() => parseRecordingMetadata(vector(join("invalid", file))), pattern);
  });

  it("has a test for every invalid vector", () => {
    expect(readdirSync(join(VECTORS, "invalid")).sort()).toEqual([
      "billion-laughs.xml",
      "doctype.xml",
      "malformed.xml",
      "missing-session.xml",
      "undeclared-entity.xml",
      "unknown-stream-ref.xml",
      "wrong-namespace.xml",
      "xxe.xml",
    ]);
  });

  it("refuses an ENTITY declaration even without a DOCTYPE, in any case", () => {
    expectRefusal(
      () => parseRecordingMetadata(`<!entity x "y"><recording xmlns="${RECORDING_NS}"/>`),
      /ENTITY declarations/,
    );
  });

  it("refuses documents over 256 KiB", () => {
    const big = `<recording xmlns="${RECORDING_NS}"><!--${"x".repeat(MAX_METADATA_BYTES)}--></recording>`;
    expectRefusal(() => parseRecordingMetadata(big), /more than the 262144 allowed/);
  });

  it("names missing required attributes", () => {
    expectRefusal(
      () => parseRecordingMetadata(`<recording xmlns="${RECORDING_NS}"><session/></recording>`),
      /<session> is missing its session_id attribute/,
    );
    expectRefusal(
      () =>
        parseRecordingMetadata(
          `<recording xmlns="${RECORDING_NS}"><session session_id="s"/><participant participant_id="p"/></recording>`,
        ),
      /participant p has no <nameID>/,
    );
    expectRefusal(
      () =>
        parseRecordingMetadata(
          `<recording xmlns="${RECORDING_NS}"><session session_id="s"/><stream stream_id="a" session_id="s"/></recording>`,
        ),
      /stream a has no <label>/,
    );
  });

  it("refuses a bad datamode, duplicate ids and unknown participants", () => {
    expectRefusal(
      () =>
        parseRecordingMetadata(`<recording xmlns="${RECORDING_NS}"><datamode>full</datamode></recording>`),
      /datamode/,
    );
    const p = `<participant participant_id="p"><nameID aor="sip:a@b"/></participant>`;
    expectRefusal(
      () =>
        parseRecordingMetadata(
          `<recording xmlns="${RECORDING_NS}"><session session_id="s"/>${p}${p}</recording>`,
        ),
      /participant_id p appears more than once/,
    );
    expectRefusal(
      () =>
        parseRecordingMetadata(
          `<recording xmlns="${RECORDING_NS}"><session session_id="s"/><participantstreamassoc participant_id="q"/></recording>`,
        ),
      /unknown participant q/,
    );
  });
});

const SAMPLE: RecordingMetadata = {
  dataMode: "complete",
  session: {
    id: "Dq3vGgOJTwKmv0m1T6a7bQ==",
    sipSessionId: "0f3c9a2b7d1e4c58a9b6e2d1c0f4a3b7;remote=00000000000000000000000000000000",
    callId: "a84b4c76e66710@pc33.example.com",
    startTime: "2024-03-11T14:06:40Z",
  },
  group: { id: "7+OTCyoxTmqmqyA/1weDAg==", associateTime: "2024-03-11T14:06:40Z" },
  participants: [
    {
      id: "cW3mJb9ZQ3qk0bH2Tz1Fsw==",
      aor: "sip:+442071838750@carrier.example.net",
      name: "Caller <\"&'>",
      send: ["uF6yQ8tTSeC1nQ3wZ0pLHg=="],
      receive: ["Yb2kR7nWQ0S9vC4xM1eJtA=="],
      role: "customer",
      dn: "+442071838750",
    },
    {
      id: "kP8sV2eYRfu2nA7oX1d9Jg==",
      aor: "sip:7001@contact-center.example.com",
      send: ["Yb2kR7nWQ0S9vC4xM1eJtA=="],
      receive: ["uF6yQ8tTSeC1nQ3wZ0pLHg=="],
      role: "agent",
      agentId: "jsmith",
      dn: "7001",
    },
  ],
  streams: [
    { id: "uF6yQ8tTSeC1nQ3wZ0pLHg==", label: "0", sessionId: "Dq3vGgOJTwKmv0m1T6a7bQ==" },
    { id: "Yb2kR7nWQ0S9vC4xM1eJtA==", label: "1", sessionId: "Dq3vGgOJTwKmv0m1T6a7bQ==" },
  ],
  associateTime: "2024-03-11T14:06:40Z",
  extension: { recordingId: "rec-0001", params: { campaign: "spring & sale", queue: "billing" } },
};

describe("serializeRecordingMetadata", () => {
  it("round-trips a full object", () => {
    expect(parseRecordingMetadata(serializeRecordingMetadata(SAMPLE))).toEqual(SAMPLE);
  });

  it("round-trips a minimal object and a partial one", () => {
    const minimal: RecordingMetadata = {
      dataMode: "complete",
      session: { id: "s" },
      participants: [],
      streams: [],
      extension: { params: {} },
    };
    expect(parseRecordingMetadata(serializeRecordingMetadata(minimal))).toEqual(minimal);
    const partial: RecordingMetadata = {
      dataMode: "partial",
      session: { id: "" },
      participants: [{ id: "p", aor: "", send: ["x"], receive: [] }],
      streams: [],
      extension: { params: {} },
    };
    expect(parseRecordingMetadata(serializeRecordingMetadata(partial))).toEqual(partial);
  });

  it("round-trips the segment number of a continued recording and refuses a bad one", () => {
    const continued: RecordingMetadata = { ...SAMPLE, extension: { ...SAMPLE.extension, segment: 3 } };
    const xml = serializeRecordingMetadata(continued);
    expect(xml).toContain("<fl:segment>3</fl:segment>");
    expect(parseRecordingMetadata(xml)).toEqual(continued);
    for (const bad of ["0", "-1", "2.5", "x", "99999999"]) {
      expectRefusal(
        () => parseRecordingMetadata(xml.replace("<fl:segment>3<", `<fl:segment>${bad}<`)),
        /segment/,
      );
    }
    expect(() =>
      serializeRecordingMetadata({ ...SAMPLE, extension: { ...SAMPLE.extension, segment: 0 } }),
    ).toThrow(/segment/);
  });

  it("round-trips every valid vector through serialize", () => {
    const docs = [
      vector("rfc7865-complete-example.xml"),
      ...["rfc7866-invite-complete.sip", "cisco-cube-style-invite.sip", "genesys-style-invite.sip"].map(
        (f) => metadataOf(f).metadata,
      ),
    ].map((d) => (Buffer.isBuffer(d) ? parseRecordingMetadata(d) : d));
    for (const m of docs) expect(parseRecordingMetadata(serializeRecordingMetadata(m))).toEqual(m);
  });

  it("writes RFC 7865 element names and our extension namespace", () => {
    const xml = serializeRecordingMetadata(SAMPLE);
    expect(xml).toContain(`<recording xmlns="${RECORDING_NS}" xmlns:fl="${FORKLINE_NS}">`);
    for (const fragment of [
      "<datamode>complete</datamode>",
      '<group group_id="7+OTCyoxTmqmqyA/1weDAg==">',
      '<session session_id="Dq3vGgOJTwKmv0m1T6a7bQ==">',
      "<sipSessionID>",
      '<participant participant_id="cW3mJb9ZQ3qk0bH2Tz1Fsw==">',
      '<nameID aor="sip:+442071838750@carrier.example.net">',
      "<name>Caller &lt;&quot;&amp;&apos;&gt;</name>",
      '<stream stream_id="uF6yQ8tTSeC1nQ3wZ0pLHg==" session_id="Dq3vGgOJTwKmv0m1T6a7bQ==">',
      "<label>0</label>",
      '<participantsessionassoc participant_id="kP8sV2eYRfu2nA7oX1d9Jg=="',
      "<send>uF6yQ8tTSeC1nQ3wZ0pLHg==</send>",
      "<recv>Yb2kR7nWQ0S9vC4xM1eJtA==</recv>",
      "<fl:recordingid>rec-0001</fl:recordingid>",
      '<fl:param name="campaign">spring &amp; sale</fl:param>',
      "<fl:role>agent</fl:role>",
    ])
      expect(xml).toContain(fragment);
  });

  it("leaves out the extension namespace when there is no extension data", () => {
    const xml = serializeRecordingMetadata({
      dataMode: "complete",
      session: { id: "s" },
      participants: [],
      streams: [],
      extension: { params: {} },
    });
    expect(xml).not.toContain(FORKLINE_NS);
  });

  it("refuses metadata that would not parse back", () => {
    expectRefusal(
      () =>
        serializeRecordingMetadata({
          ...SAMPLE,
          participants: [{ ...SAMPLE.participants[0]!, send: ["nope"] }],
        }),
      /references unknown stream nope/,
    );
    expectRefusal(() => serializeRecordingMetadata({ ...SAMPLE, session: { id: "" } }), /needs a session id/);
    expectRefusal(
      () => serializeRecordingMetadata({ ...SAMPLE, extension: { params: { k: "a\u0001b" } } }),
      /character XML cannot carry/,
    );
  });
});

describe("newMetadataId", () => {
  it("is 16 random bytes in base64, like the RFC's ids", () => {
    const ids = new Set(Array.from({ length: 100 }, () => newMetadataId()));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(id, "base64")).toHaveLength(16);
    }
  });
});
