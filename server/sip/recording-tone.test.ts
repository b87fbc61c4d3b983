import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { parseSdp } from "../../protocol/sdp";
import { talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { toneRuns } from "../../media-engine/tone/test-support/tone-runs";
import { registeredAgent } from "../test-support/registered-agent";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { useTestStack } from "../test-support/stack-fixture";

// The whole system (server, media engine, lab recorder under the launcher): a trunk whose DN asks
// for the recording notification tone makes the customer hear 1400 Hz when the full-time
// recording starts and when a supervisor resumes it; the agent, not chosen, hears none.
const ports = {
  http: 37230,
  sip: 37231,
  mediaSip: 37232,
  mediaHttp: 37233,
  recorderSip: 37234,
  recorderHttp: 37235,
  rtpMin: 38400,
  rtpMax: 38599,
};
const SERVER = `127.0.0.1:${ports.sip}`;
const TRUNK_SIP = 37236;
const AGENT_MEDIA = 38600;
const TRUNK_MEDIA = 38601;
const fixture = useTestStack(ports);
const { closers, trpc } = fixture;

describe("recording notification tone through the whole stack", () => {
  it("the customer hears 500 ms of 1400 Hz when the trunk's full-time recording starts and resumes; the agent does not", async () => {
    await trpc("dn.set", {
      number: "pstn",
      type: "trunk",
      peer: `127.0.0.1:${TRUNK_SIP}`,
      record: true,
      recordingTone: "start",
      recordingToneParties: "customer",
    });
    const agent = await registeredAgent(SERVER, "1001", AGENT_MEDIA, closers);
    const agentMedia = await UdpPhone.open(AGENT_MEDIA);
    closers.push(() => agentMedia.close());
    const trunk = await SipTestPhone.start({ BYE: (request) => void request.reply(200) }, TRUNK_SIP);
    closers.push(() => trunk.close());
    const trunkMedia = await UdpPhone.open(TRUNK_MEDIA);
    closers.push(() => trunkMedia.close());

    const { response } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(agent.remoteMediaPort()).toBeGreaterThan(0));
    // The customer says 440 Hz, the agent 1000 Hz; the engine latches each leg to its sender.
    closers.push(
      talk(trunkMedia, parseSdp(response.body).media[0]!.port, { hz: 440, codec: "PCMA", ssrc: 0x5 }),
    );
    closers.push(talk(agentMedia, agent.remoteMediaPort()!, { hz: 440, codec: "PCMA", ssrc: 0x1001 }));

    const db = new Database(fixture.stack.env.DATABASE_URL!.replace(/^file:/, ""), { readonly: true });
    closers.push(() => void db.close());
    /** When the history says the recording entered `state` (the engine's report), by the server's clock. */
    const entered = (state: string) =>
      (
        db.prepare(`select at from RecordingTransition where toState = ? order by at`).all(state) as {
          at: string;
        }[]
      ).map((r) => Date.parse(r.at));
    const session = () =>
      db.prepare("select id, connId, state from RecordingSession").get() as
        { id: string; connId: string; state: string } | undefined;

    await vi.waitFor(() => expect(toneRuns(trunkMedia)).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(session()?.state).toBe("recording"));
    const started = entered("recording");
    expect(started).toHaveLength(1);
    const first = toneRuns(trunkMedia)[0]!;
    expect(first.at - started[0]!).toBeGreaterThanOrEqual(0);
    expect(first.at - started[0]!).toBeLessThan(1_000);

    // The whole tone before the pause (a pause cuts a sounding tone off).
    const soFar = trunkMedia.received.length;
    await vi.waitFor(() => expect(trunkMedia.received.length).toBeGreaterThan(soFar + 40), {
      timeout: 5_000,
    });
    expect(toneRuns(trunkMedia)[0]!.packets).toBe(25);

    const connId = session()!.connId;
    await trpc("recording.pause", { callId: connId, side: "source" });
    await vi.waitFor(() => expect(session()?.state).toBe("paused"));
    await trpc("recording.resume", { callId: connId, side: "source" });
    await vi.waitFor(() => expect(toneRuns(trunkMedia)).toHaveLength(2), { timeout: 10_000 });
    const resumed = entered("recording");
    expect(resumed).toHaveLength(2);
    const second = toneRuns(trunkMedia)[1]!;
    expect(second.at - resumed[1]!).toBeGreaterThanOrEqual(0);
    expect(second.at - resumed[1]!).toBeLessThan(1_000);
    // Whole tones: 25 packets of 20 ms, nothing more while the recording goes on.
    const heard = trunkMedia.received.length;
    await vi.waitFor(() => expect(trunkMedia.received.length).toBeGreaterThan(heard + 60), {
      timeout: 5_000,
    });
    expect(toneRuns(trunkMedia).map((r) => r.packets)).toEqual([25, 25]);
    expect(toneRuns(agentMedia)).toEqual([]);
  }, 90_000);
});
