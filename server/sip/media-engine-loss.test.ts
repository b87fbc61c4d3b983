import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import type { SipRequest } from "../../protocol/sip";
import { registeredAgent } from "../test-support/registered-agent";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { pidOnUdpPort, useTestStack } from "../test-support/stack-fixture";

const ports = {
  http: 3201,
  sip: 5801,
  mediaSip: 5811,
  mediaHttp: 5812,
  recorderSip: 5821,
  recorderHttp: 5822,
  rtpMin: 44000,
  rtpMax: 44399,
};
const SERVER = `127.0.0.1:${ports.sip}`;
const fixture = useTestStack(ports);
const { closers, trpc } = fixture;

describe("a media engine killed with recorded calls up", () => {
  it("ends every call it held with a BYE to both parties in ≤ 2 s, fails their recordings at the right time, raises one alarm, and new calls work", async () => {
    await trpc("dn.setRecord", { number: "pstn", record: true });
    const agent = await registeredAgent(SERVER, "1001", 44500, closers);
    const trunkByes: { at: number; message: SipRequest }[] = [];
    const trunk = await SipTestPhone.start(
      {
        BYE: (request) => {
          trunkByes.push({ at: Date.now(), message: request.message });
          request.reply(200);
        },
      },
      5062,
    );
    closers.push(() => trunk.close());
    const agentByeTimes: number[] = [];
    const onBye = agent.byes.push.bind(agent.byes);
    agent.byes.push = (...items: SipRequest[]) => {
      agentByeTimes.push(Date.now());
      return onBye(...items);
    };

    for (let i = 0; i < 3; i++) {
      const { response } = await trunk.call(SERVER, "1001");
      expect(response.status).toBe(200);
    }
    const db = new Database(fixture.stack.env.DATABASE_URL!.replace(/^file:/, ""), { readonly: true });
    closers.push(() => void db.close());
    const states = () =>
      (db.prepare("select state from RecordingSession").all() as { state: string }[]).map((r) => r.state);
    await vi.waitFor(() => expect(states()).toEqual(["recording", "recording", "recording"]), {
      timeout: 10_000,
    });

    const enginePid = pidOnUdpPort(ports.mediaSip);
    expect(enginePid).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(enginePid, "SIGKILL");

    await vi.waitFor(
      () => {
        expect(trunkByes).toHaveLength(3);
        expect(agentByeTimes).toHaveLength(3);
      },
      { timeout: 5_000, interval: 20 },
    );
    for (const at of [...trunkByes.map((b) => b.at), ...agentByeTimes])
      expect(at - killedAt).toBeLessThanOrEqual(2_000);
    expect(trunkByes[0]!.message.headers.get("Reason")).toMatch(/cause=503;text="Media path lost/);
    expect(agent.byes[0]!.headers.get("Reason")).toMatch(/Media path lost/);

    await vi.waitFor(() => expect(states()).toEqual(["failed", "failed", "failed"]), { timeout: 5_000 });
    const ended = db.prepare("select endedAt from RecordingSession").all() as { endedAt: string }[];
    for (const endedAt of ended.map((row) => new Date(row.endedAt).getTime())) {
      // Dated when the engine was last known alive: before the kill, by at most a keep-alive period.
      expect(endedAt).toBeLessThanOrEqual(killedAt + 100);
      expect(endedAt).toBeGreaterThan(killedAt - 1_500);
    }
    const reasons = db.prepare("select reason from RecordingTransition where toState = 'failed'").all() as {
      reason: string;
    }[];
    for (const { reason } of reasons)
      expect(reason).toMatch(/media path lost: media engine .* (restarted|stopped answering)/);

    const alarmRows = () =>
      db.prepare("select kind, subject, message, count from Alarm").all() as {
        kind: string;
        message: string;
        count: number;
      }[];
    await vi.waitFor(() => expect(alarmRows()).toHaveLength(1), { timeout: 2_000 });
    const alarms = alarmRows();
    expect(alarms[0]).toMatchObject({ kind: "media_engine_lost", count: 1 });
    expect(alarms[0]!.message).toMatch(/3 calls ended \(BYE to both parties\), 3 recordings failed/);
    expect((await trpc<unknown[]>("calls.list")).length).toBe(0);

    // The launcher brought the engine back; a new call is anchored and recorded on it.
    await vi.waitFor(() => expect(pidOnUdpPort(ports.mediaSip)).not.toBe(enginePid), { timeout: 10_000 });
    // Until the new instance answers its first keep-alive, calls get 503 (Retry-After): a caller
    // retrying as told gets through.
    const again = await vi.waitFor(
      async () => {
        const attempt = await trunk.call(SERVER, "1001");
        expect(attempt.response.status).toBe(200);
        return attempt;
      },
      { timeout: 10_000, interval: 500 },
    );
    await vi.waitFor(() => expect(states().filter((s) => s === "recording")).toHaveLength(1), {
      timeout: 10_000,
    });
    await trunk.ua.sendInDialog(again.dialog!, again.dialog!.createRequest("BYE"));
  }, 60_000);
});
