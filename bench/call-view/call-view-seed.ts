import type { Db } from "../../server/services/db";
import { summarizeCall } from "../../server/services/recording/recorded-call-summary";

/**
 * Realistic recorded calls for the call-view benchmark, deterministic (a seeded generator): each
 * call has 1–4 sessions (the customer's side full time from the trunk, the agent's side, a stop
 * and restart, a parallel copy), 30 s – 20 min long over 90 days, a third of them paused, 5 %
 * failed and 10 % incomplete, 200 agents with names, 200 extensions, customers from +1555 numbers.
 */

const AGENTS = 200;
const DAY_MS = 86_400_000;
const BATCH = 2_000;

/** mulberry32: the same calls every run. */
function generator(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const agentLogin = (i: number) => String(5000 + i);
export const agentName = (i: number) => `Agent ${["Ada", "Ben", "Cleo", "Dev", "Eve"][i % 5]} ${i}`;
export const extension = (i: number) => String(1100 + i);

type Session = {
  id: string;
  callId: string;
  connId: string;
  side: string;
  trigger: string;
  requestedBy: string;
  dn: string;
  agentId: string;
  recorderUri: string;
  state: string;
  params: string;
  startedAt: Date;
  endedAt: Date;
  segments: number;
  packetsSent: number;
  packetsAcked: number;
  outcome: string;
  outcomeReason: string;
  copyOf: string;
};

type Transition = {
  sessionId: string;
  fromState: string;
  toState: string;
  at: Date;
  by: string;
  reason: string;
};
type Pause = { sessionId: string; pausedAt: Date; resumedAt: Date; pausedBy: string; resumedBy: string };

/** Seeds `sessions` sessions (in whole calls) ending `now`; returns how many calls that made. */
export async function seedCalls(
  db: Db,
  sessions: number,
  now: Date,
): Promise<{ calls: number; rows: number }> {
  const random = generator(17);
  const pick = (n: number) => Math.floor(random() * n);
  await db.agentLogin.createMany({
    data: Array.from({ length: AGENTS }, (_, i) => ({ loginCode: agentLogin(i), name: agentName(i) })),
  });
  let made = 0;
  let calls = 0;
  let rows = 0;
  let batch: { sessions: Session[]; transitions: Transition[]; pauses: Pause[]; calls: object[] } = {
    sessions: [],
    transitions: [],
    pauses: [],
    calls: [],
  };
  const flush = async () => {
    await db.recordingSession.createMany({ data: batch.sessions });
    await db.recordingTransition.createMany({ data: batch.transitions });
    await db.recordingPause.createMany({ data: batch.pauses });
    await db.recordedCall.createMany({ data: batch.calls as never });
    rows += batch.sessions.length + batch.transitions.length + batch.pauses.length + batch.calls.length;
    batch = { sessions: [], transitions: [], pauses: [], calls: [] };
  };
  while (made < sessions) {
    const connId = `c${String(calls).padStart(7, "0")}`;
    const agent = pick(AGENTS);
    const dn = extension(pick(AGENTS));
    const customer = `+1555${String(pick(10_000_000)).padStart(7, "0")}`;
    const start = now.getTime() - pick(90 * DAY_MS);
    const length = 30_000 + pick(20 * 60_000);
    const fate = random();
    const count = Math.min(sessions - made, [1, 2, 2, 3, 4][pick(5)]!);
    const paused = random() < 0.33;
    const facts = [];
    for (let s = 0; s < count; s++) {
      const id = `${connId}-${s}`;
      const customerSide = s === 0 && count > 1;
      const copy = s === 3;
      const begin = new Date(start + (s === 2 ? length / 2 : s * 500));
      const end = new Date(s === 1 && count > 2 ? start + length / 3 : start + length);
      const failed = fate < 0.05 && !customerSide;
      const incomplete = !failed && fate < 0.15;
      const session: Session = {
        id,
        callId: `sip-${connId}`,
        connId,
        side: customerSide ? "source" : "destination",
        trigger: customerSide ? "full_time_trunk" : s === 2 ? "private_service" : "full_time_agent",
        requestedBy: customerSide
          ? "full_time_trunk:pstn"
          : s === 2
            ? "user:supervisor"
            : `full_time_agent:${dn}`,
        dn: customerSide ? "pstn" : dn,
        agentId: customerSide ? "" : agentLogin(agent),
        recorderUri: copy ? "sip:backup@10.0.0.9" : "sip:127.0.0.1:5080",
        state: failed ? "failed" : "stopped",
        params: s === 2 ? `{"case":"${pick(100_000)}"}` : "{}",
        startedAt: begin,
        endedAt: end,
        segments: failed ? 0 : 1,
        packetsSent: Math.round((end.getTime() - begin.getTime()) / 20),
        packetsAcked: Math.round((end.getTime() - begin.getTime()) / 20) - (incomplete ? 50 : 0),
        outcome: incomplete || failed ? "incomplete" : "complete",
        outcomeReason: incomplete
          ? "the recorder acknowledged fewer packets"
          : failed
            ? "no recorder took the recording"
            : "",
        copyOf: copy ? `${connId}-1` : "",
      };
      batch.sessions.push(session);
      const move = (fromState: string, toState: string, at: Date, by: string, reason = "") =>
        batch.transitions.push({ sessionId: id, fromState, toState, at, by, reason });
      move("", "starting", begin, session.requestedBy, session.trigger);
      let pauses = 0;
      if (failed)
        move(
          "starting",
          "failed",
          new Date(begin.getTime() + 2_000),
          "media-engine",
          "503 from the recorder",
        );
      else {
        move("starting", "recording", new Date(begin.getTime() + 300), "media-engine", "start");
        if (paused && !customerSide) {
          const at = new Date(begin.getTime() + (end.getTime() - begin.getTime()) / 4);
          const back = new Date(at.getTime() + 20_000);
          move("recording", "paused", at, `cti:${dn}`, "pause");
          move("paused", "recording", back, `cti:${dn}`, "resume");
          batch.pauses.push({
            sessionId: id,
            pausedAt: at,
            resumedAt: back,
            pausedBy: `cti:${dn}`,
            resumedBy: `cti:${dn}`,
          });
          pauses = 1;
        }
        move("recording", "stopped", end, "call", "call ended");
      }
      facts.push({ ...session, pauseCount: pauses });
    }
    batch.calls.push({
      connId,
      callerNumber: customer,
      callerDn: "pstn",
      calleeNumber: dn,
      calleeDn: dn,
      ...summarizeCall(facts),
    });
    made += count;
    calls += 1;
    if (batch.sessions.length >= BATCH) await flush();
  }
  await flush();
  return { calls, rows };
}
