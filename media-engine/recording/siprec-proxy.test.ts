import { spawn } from "node:child_process";
import { quietFor, udpPortBound, waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMsml, type MsmlEvent, type MsmlRequestItem } from "../../protocol/msml";
import type { UserAgentCore } from "../../sip-core";
import type { MediaEnginePool, MediaLegHandle } from "../../server/sip/media/media-engine-pool";
import {
  engineController,
  enginePort,
  joinedCall,
  pcmuOffer,
  spawnMediaEngine,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { g711Packet, UdpPhone } from "../rtp/test-support/udp-phone";
import { sippArgs } from "../../server/test-support/sipp";

const ME_SIP = 5431;
const ME_HTTP = 5432;
const SIPP_RECORDER = 5433;

let engine: SpawnedProcess;
let ua: UserAgentCore;
let pool: MediaEnginePool;
let events: MsmlEvent[] = [];
const phones: UdpPhone[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-siprec-"));

const call = () => joinedCall(pool, phones, "rec");

function record(
  legA: MediaLegHandle,
  legB: MediaLegHandle,
  dest: string[],
  extra: Partial<{ recordingId: string; name: string }> = {},
): MsmlRequestItem {
  return {
    kind: "dialogstart",
    target: legA.connId,
    name: extra.name ?? "rec1",
    type: "application/moml+xml",
    record: {
      dest,
      attemptTimeoutMs: 1000,
      recordingId: extra.recordingId ?? "rec-sipp-1",
      params: { campaign: "spring" },
      participants: [
        {
          conn: legA.connId,
          aor: "sip:1001@forkline",
          name: "Alice",
          dn: "1001",
          agentId: "5001",
          role: "agent",
        },
        { conn: legB.connId, aor: "sip:+15551230001@pstn", role: "customer" },
      ],
    },
  };
}

beforeAll(async () => {
  engine = await spawnMediaEngine({ sip: ME_SIP, http: ME_HTTP, rtpMin: 42200, rtpMax: 42299 });
  ({ ua, pool, events } = await engineController(ME_SIP));
}, 60_000);

afterAll(async () => {
  for (const phone of phones) phone.close();
  await ua?.close();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const eventNames = (dialogId: string) => events.filter((e) => e.id === dialogId).map((e) => e.name);

describe("recording proxy: MSML <record> → SIPREC session to a recorder", () => {
  it("SIPp as the recorder sees a SIPREC INVITE (Require, +sip.src, multipart, labels, metadata), pause, resume and BYE", async () => {
    const sipp = new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(
        "sipp",
        sippArgs({
          scenario: path.join(import.meta.dirname, "__scenarios__/siprec-recorder-uas.xml"),
          port: SIPP_RECORDER,
          mediaPort: 32200,
          timeout: "30s",
          // The engine probes its recorders with in-dialog OPTIONS every 2 s: SIPp answers them 200.
          autoAnswer: true,
          errorFile: path.join(dir, "sipp-errors.log"),
        }),
      );
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      child.once("exit", (code) => resolve({ code, output }));
    });
    await waitFor(() => udpPortBound(SIPP_RECORDER), 10_000, "SIPp to listen");
    const { a, b, legA, legB } = await call();
    const started = await pool.msml(legA, [record(legA, legB, [`sip:srs@127.0.0.1:${SIPP_RECORDER}`])]);
    expect(started).toMatchObject({ response: 200, dialogid: `${legA.connId}/dialog:rec1` });
    const dialogId = started.dialogid!;
    await waitFor(() => eventNames(dialogId).includes("forkline.recording.started"), 5000, "started event");
    for (let seq = 0; seq < 20; seq++) await a.send(g711Packet(0xa, seq), enginePort(legA));
    const askedPause = Date.now();
    expect((await pool.msml(legA, [{ kind: "send", target: dialogId, event: "pause" }])).response).toBe(200);
    await waitFor(() => eventNames(dialogId).includes("forkline.recording.paused"), 5000, "paused event");
    // The engine dates the moment forwarding stopped (the server dates pause intervals by it).
    const pausedAt = events
      .find((e) => e.id === dialogId && e.name === "forkline.recording.paused")
      ?.fields.find((f) => f.name === "at")?.value;
    expect(Date.parse(pausedAt ?? "")).toBeGreaterThanOrEqual(askedPause - 5);
    expect(Date.parse(pausedAt ?? "")).toBeLessThanOrEqual(Date.now());
    expect((await pool.msml(legA, [{ kind: "send", target: dialogId, event: "resume" }])).response).toBe(200);
    await waitFor(() => eventNames(dialogId).includes("forkline.recording.resumed"), 5000, "resumed event");
    expect((await pool.msml(legA, [{ kind: "dialogend", id: dialogId }])).response).toBe(200);
    await waitFor(() => eventNames(dialogId).includes("forkline.recording.stopped"), 5000, "stopped event");
    const result = await sipp;
    const errors = fs.existsSync(path.join(dir, "sipp-errors.log"))
      ? fs.readFileSync(path.join(dir, "sipp-errors.log"), "utf8")
      : "";
    expect(result.code, `${result.output}\n${errors}\n${engine.output()}`).toBe(0);
    // The call itself went on undisturbed.
    await b.send(g711Packet(0xb, 1), enginePort(legB));
    await waitFor(() => a.received.length > 0, 2000, "call media after the recording");
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 60_000);

  it("skips a recorder whose port is closed at once (ICMP), and reports failure when none answers", async () => {
    const { legA, legB } = await call();
    const dead = "sip:srs@127.0.0.1:5439";
    const failed = await pool.msml(legA, [
      record(legA, legB, [dead], { recordingId: "rec-dead", name: "dead" }),
    ]);
    expect(failed.response).toBe(200);
    await waitFor(
      () => eventNames(failed.dialogid!).includes("forkline.recording.failed"),
      8000,
      "failed event",
    );
    const reason = events.find(
      (e) => e.id === failed.dialogid && e.name === "forkline.recording.failed",
    )!.fields;
    expect(reason.find((f) => f.name === "reason")?.value).toMatch(
      /no recorder answered .*5439: ICMP port unreachable/,
    );
    expect(eventNames(failed.dialogid!)).toEqual(["forkline.recording.skipped", "forkline.recording.failed"]);
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 30_000);

  it("refuses bad recording requests with MSML errors and changes nothing", async () => {
    const a = await UdpPhone.open();
    const b = await UdpPhone.open();
    phones.push(a, b);
    const legA = await pool.openLeg(pcmuOffer(a.port), { callId: "bad" });
    const legB = await pool.openLeg(pcmuOffer(b.port), { callId: "bad" });
    // A join followed by a file: recording: the whole document is refused, so the join never happens.
    const raw = await ua.sendInDialog(
      legA.dialog,
      legA.dialog.createRequest("INFO", {
        contentType: "application/msml+xml",
        body: Buffer.from(
          `<?xml version="1.0"?><msml version="1.1"><join id1="${legA.connId}" id2="${legB.connId}"/>` +
            `<dialogstart target="${legA.connId}" name="f"><record dest="file:///tmp/x.wav"/></dialogstart></msml>`,
        ),
      }),
    );
    const refused = parseMsml(raw.body);
    expect(refused.type === "result" && refused.response).toBe(410);
    expect(refused.type === "result" && refused.description).toBe("local file recording is not supported");
    await a.send(g711Packet(0xa, 1), enginePort(legA));
    await quietFor(300, "a refused document joins nothing: no media reaches b");
    expect(b.received).toHaveLength(0);

    const unknownTarget = await pool.msml(legA, [
      { kind: "send", target: `${legA.connId}/dialog:nope`, event: "pause" },
    ]);
    expect(unknownTarget.response).toBe(430);
    const unknownLeg = await pool.msml(legA, [
      record(legA, legB, ["sip:x@127.0.0.1"], { name: "x", recordingId: "rec-x" }),
      { kind: "join", id1: legA.connId, id2: "conn:gone", streams: [] },
    ]);
    expect(unknownLeg.response).toBe(430);
    // The refused document started no recording either.
    expect(events.some((e) => e.id === `${legA.connId}/dialog:x`)).toBe(false);
    await pool.closeLeg(legA);
    await pool.closeLeg(legB);
  }, 30_000);
});
