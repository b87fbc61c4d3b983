/**
 * Recorder loss: how long the media engine takes to notice that the recorder of a live recording
 * is gone, how long until the recording continues on the other recorder, and how much audio the
 * gap cost. One call (two talking phones) relayed by a media engine process, its recording sent to
 * two lab recorder processes in failover order; each run takes away the recorder in use and then
 * brings it back, so the next run fails over the other way.
 *
 * Two faults, measured side by side in the same run: kill -9 (the port closes: ICMP port
 * unreachable on the connected recording sockets) and SIGSTOP (alive but silent: only missing
 * RTCP receiver reports and unanswered in-dialog OPTIONS tell).
 *   npx tsx bench/faults/recorder-loss-bench.ts [--runs 20] [--json bench/results/recorder-loss.json]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MsmlEvent } from "../../protocol/msml";
import {
  engineController,
  enginePort,
  joinedCall,
  spawnMediaEngine,
  spawnService,
  type SpawnedProcess,
} from "../../media-engine/test-support/engine-harness";
import { talk, type UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { benchArg, percentile } from "./fault-bench-support";

const runs = Number(benchArg("--runs") ?? "20");
const jsonPath = benchArg("--json") ?? "bench/results/recorder-loss.json";
const ENGINE = { sip: 5921, http: 5922, rtpMin: 45600, rtpMax: 45799 };
const RECORDERS = [
  { name: "a", sip: 5923, http: 5924, rtpMin: 45800, rtpMax: 45899 },
  { name: "b", sip: 5925, http: 5926, rtpMin: 45900, rtpMax: 45999 },
] as const;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-recorder-loss-bench-"));
const uriOf = (port: number) => `sip:srs@127.0.0.1:${port}`;

type Fault = "SIGKILL" | "SIGSTOP";
type Run = { fault: Fault; detectMs: number; recoverMs: number; gapMs: number; unacked: number };

function startRecorder(r: (typeof RECORDERS)[number]): Promise<SpawnedProcess> {
  return spawnService(
    "recorder/main.ts",
    {
      RECORDER_SIP_PORT: String(r.sip),
      RECORDER_HTTP_PORT: String(r.http),
      RECORDER_RTP_PORT_MIN: String(r.rtpMin),
      RECORDER_RTP_PORT_MAX: String(r.rtpMax),
      RECORDINGS_DIR: path.join(dir, r.name),
    },
    "recorder ready",
  );
}

const engine = await spawnMediaEngine(ENGINE);
const recorders = [await startRecorder(RECORDERS[0]), await startRecorder(RECORDERS[1])];
const { ua, pool, events } = await engineController(ENGINE.sip);
const phones: UdpPhone[] = [];
const field = (event: MsmlEvent, name: string) => event.fields.find((f) => f.name === name)?.value;

async function nextEvent(
  dialogId: string,
  name: string,
  after: number,
): Promise<{ event: MsmlEvent; seenAt: number }> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const event = events
      .slice(after)
      .find((e) => e.id === dialogId && e.name === `forkline.recording.${name}`);
    if (event !== undefined) return { event, seenAt: Date.now() };
    if (Date.now() > deadline) throw new Error(`no ${name} event`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const results: Run[] = [];
try {
  const call = await joinedCall(pool, phones, "bench");
  const stopA = talk(call.a, enginePort(call.legA), { hz: 440, codec: "PCMU", ssrc: 0xa1 });
  const stopB = talk(call.b, enginePort(call.legB), { hz: 1000, codec: "PCMU", ssrc: 0xb1 });
  const { dialogid } = await pool.msml(call.legA, [
    {
      kind: "dialogstart",
      target: call.legA.connId,
      name: "bench",
      type: "application/moml+xml",
      record: {
        dest: RECORDERS.map((r) => uriOf(r.sip)),
        recordingId: "bench",
        params: {},
      },
    },
  ]);
  let current = uriOf(RECORDERS[0].sip);
  let unackedBefore = 0;
  await nextEvent(dialogid!, "started", 0);
  for (const fault of ["SIGKILL", "SIGSTOP"] as const) {
    for (let run = 0; run < runs; run++) {
      // A second of recording, so receiver reports have been seen before the fault.
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 500));
      const index = RECORDERS.findIndex((r) => uriOf(r.sip) === current);
      const victim = recorders[index]!;
      const mark = events.length;
      const faultAt = Date.now();
      victim.child.kill(fault);
      const interrupted = await nextEvent(dialogid!, "interrupted", mark);
      const continued = await nextEvent(dialogid!, "continued", mark);
      const unackedNow =
        Number(field(interrupted.event, "sent") ?? 0) - Number(field(interrupted.event, "acked") ?? 0);
      current = field(continued.event, "recorder") ?? current;
      results.push({
        fault,
        detectMs: interrupted.seenAt - faultAt,
        recoverMs: continued.seenAt - faultAt,
        gapMs:
          Date.parse(field(continued.event, "at") ?? "") - Date.parse(field(interrupted.event, "at") ?? ""),
        // The counters cover the whole recording: this loss's share is the growth since the last.
        unacked: unackedNow - unackedBefore,
      });
      unackedBefore = unackedNow;
      // Bring the lost recorder back for the next run's failover in the other direction.
      if (fault === "SIGSTOP") victim.child.kill("SIGKILL");
      await new Promise<void>((resolve) => {
        if (victim.child.exitCode !== null || victim.child.signalCode !== null) resolve();
        else victim.child.once("exit", () => resolve());
      });
      recorders[index] = await startRecorder(RECORDERS[index]!);
      process.stderr.write(".");
    }
  }
  stopA();
  stopB();
} finally {
  process.stderr.write("\n");
  for (const phone of phones) phone.close();
  await ua.close();
  await Promise.all([engine, ...recorders].map((child) => child.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
}

const summary = (fault: Fault, label: string) => {
  const rows = results.filter((r) => r.fault === fault);
  const of = (pick: (r: Run) => number, p: number) => Math.round(percentile(rows.map(pick), p));
  return {
    fault: label,
    runs: rows.length,
    "detect p50 ms": of((r) => r.detectMs, 50),
    "detect p99 ms": of((r) => r.detectMs, 99),
    "recover p50 ms": of((r) => r.recoverMs, 50),
    "recover p99 ms": of((r) => r.recoverMs, 99),
    "gap p50 ms": of((r) => r.gapMs, 50),
    "gap p99 ms": of((r) => r.gapMs, 99),
    "unacked at loss p50": of((r) => r.unacked, 50),
    "unacked at loss p99": of((r) => r.unacked, 99),
  };
};
const table = [
  summary("SIGKILL", "kill -9 (ICMP)"),
  summary("SIGSTOP", "SIGSTOP (RTCP / OPTIONS, reference)"),
];
console.table(table);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify({ date: new Date().toISOString(), runs, table, results }, null, 2)}\n`,
);
