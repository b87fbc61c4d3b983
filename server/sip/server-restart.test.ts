import { describe, expect, it, vi } from "vitest";
import { parseSdp } from "../../protocol/sdp";
import { missingPackets, talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { answerDigest } from "../test-support/answer-digest";
import { AnsweringPhone } from "../test-support/answering-phone";
import { registeredAgent } from "../test-support/registered-agent";
import { trunkWithByes } from "../test-support/trunk-with-byes";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { pidOnUdpPort, useTestStackOnBothDatabases } from "../test-support/stack-fixture";
import { WsClientTransport } from "../test-support/ws-client-transport";

const ports = {
  http: 3209,
  sip: 5981,
  mediaSip: 5983,
  mediaHttp: 5984,
  recorderSip: 5985,
  recorderHttp: 5986,
  rtpMin: 47200,
  rtpMax: 47399,
};
const SERVER = `127.0.0.1:${ports.sip}`;
const AGENT_MEDIA = 47450;
// On SQLite, and on PostgreSQL in the "postgresql" project: calls must survive a restart on both.
const fixture = useTestStackOnBothDatabases(ports);
const { closers, trpc, rows } = fixture;
/** Saved established calls. */
const savedCalls = async () => (await rows<{ n: number }>(`select count(*) as n from "ActiveCall"`))[0]!.n;

function serverPid(): number | undefined {
  try {
    return pidOnUdpPort(ports.sip);
  } catch {
    return undefined;
  }
}

async function engineLegs(): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${ports.mediaHttp}/metrics`)).text();
  return Number(/^forkline_media_legs (\d+)$/m.exec(metrics)?.[1]);
}

/** A browser softphone (SIP over WebSocket, signed in as admin) registered as 1001, alone. */
async function browserAs1001(): Promise<{ browser: AnsweringPhone; ws: WsClientTransport }> {
  // Bindings of 1001 from the tests before were saved and restored: remove them (RFC 3261 §10.2.2 "*").
  const cleaner = await SipTestPhone.start();
  closers.push(() => cleaner.close());
  const cleared = await cleaner.register({
    server: SERVER,
    user: "1001",
    password: "demo-1001",
    contact: "*",
    expires: 0,
  });
  expect(cleared.status).toBe(200);

  const login = await fetch(`http://127.0.0.1:${ports.http}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username: "admin", password: "stack-admin-password" } }),
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const ws = new WsClientTransport(`ws://127.0.0.1:${ports.http}/sip`, { cookie });
  const browser = await AnsweringPhone.start(AGENT_MEDIA, ws);
  closers.push(() => browser.close());
  const register = (authorization?: string) =>
    browser.ua.send(
      browser.ua.createRequest("REGISTER", `sip:127.0.0.1:${ports.sip}`, {
        from: `<sip:1001@127.0.0.1>`,
        to: `<sip:1001@127.0.0.1>`,
        callId: "ws-register-1001",
        cseq: authorization === undefined ? 1 : 2,
        contact: browser.contact,
        headers: {
          Expires: "300",
          ...(authorization === undefined ? {} : { Authorization: authorization }),
        },
      }),
      { destination: ws.server },
    );
  const challenge = await register();
  expect(challenge.status).toBe(401);
  const registered = await register(
    answerDigest(challenge.headers.getAll("WWW-Authenticate"), {
      user: "1001",
      password: "demo-1001",
      method: "REGISTER",
      uri: `sip:127.0.0.1:${ports.sip}`,
    }),
  );
  expect(registered.status).toBe(200);

  return { browser, ws };
}

/** The trunk calls 1001 (the browser answers); resolves once the call's recording is recording. */
async function recordedTrunkCallTo(browser: AnsweringPhone) {
  const { trunk, byes: trunkByes } = await trunkWithByes(closers);
  const { response } = await trunk.call(SERVER, "1001");
  expect(response.status).toBe(200);
  expect(browser.dialog).toBeDefined();
  const latest = async () =>
    (
      await rows<{ state: string; endedAt: unknown }>(
        `select "state", "endedAt" from "RecordingSession" order by "startedAt" desc limit 1`,
      )
    )[0]!;
  await vi.waitFor(async () => expect((await latest()).state).toBe("recording"), { timeout: 10_000 });
  return { trunkByes, latest };
}

describe("kill -9 of the SIP Server with a recorded call up", () => {
  it("the restarted server goes on with the call: media never stops, a supervisor pauses and resumes, a BYE ends it for both parties", async () => {
    await trpc("dn.setRecord", { number: "pstn", record: true });
    const agent = await registeredAgent(SERVER, "1001", AGENT_MEDIA, closers);
    const agentMedia = await UdpPhone.open(AGENT_MEDIA);
    closers.push(() => agentMedia.close());
    const { trunk, byes: trunkByes } = await trunkWithByes(closers);
    const trunkMedia = await UdpPhone.open(32700);
    closers.push(() => trunkMedia.close());

    const { response, dialog } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(agent.remoteMediaPort()).toBeGreaterThan(0));
    const stopTrunk = talk(trunkMedia, parseSdp(response.body).media[0]!.port, {
      hz: 440,
      codec: "PCMA",
      ssrc: 0x7172,
    });
    closers.push(stopTrunk);
    const stopAgent = talk(agentMedia, agent.remoteMediaPort()!, { hz: 1000, codec: "PCMU", ssrc: 0x1001 });
    closers.push(stopAgent);

    const sessions = () =>
      rows<{ id: string; connId: string; state: string; outcome: string }>(
        `select "id", "connId", "state", "outcome" from "RecordingSession"`,
      );
    await vi.waitFor(async () => expect(await sessions()).toMatchObject([{ state: "recording" }]), {
      timeout: 10_000,
    });
    await vi.waitFor(async () => expect(await savedCalls()).toBe(1));
    const [{ connId }] = (await trpc<{ connId: string }[]>("calls.list")) as [{ connId: string }];

    // kill -9: no BYE, no goodbye; the launcher starts a new server process.
    const pid = serverPid()!;
    const heardBefore = { trunk: trunkMedia.received.length, agent: agentMedia.received.length };
    process.kill(pid, "SIGKILL");
    await vi.waitFor(() => expect(serverPid()).toBeGreaterThan(0), { timeout: 20_000, interval: 100 });
    expect(serverPid()).not.toBe(pid);
    const calls = await vi.waitFor(
      async () => {
        const list = await trpc<{ connId: string; state: string }[]>("calls.list");
        expect(list).toHaveLength(1);
        return list;
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(calls[0]).toMatchObject({ connId, state: "established" });
    expect(fixture.stack.output()).toMatch(/1 established call\(s\) taken up/);
    // The recording went on: not failed as an orphan of the old process.
    expect(await sessions()).toMatchObject([{ connId, state: "recording" }]);

    // A supervisor pauses and resumes it through the new process.
    await trpc("recording.pause", { callId: connId, side: "source" });
    await vi.waitFor(async () => expect(await sessions()).toMatchObject([{ state: "paused" }]), {
      timeout: 5_000,
    });
    await trpc("recording.resume", { callId: connId, side: "source" });
    await vi.waitFor(async () => expect(await sessions()).toMatchObject([{ state: "recording" }]), {
      timeout: 5_000,
    });

    // The media path never stopped: it runs through the media engine, which was not touched.
    await vi.waitFor(() => {
      expect(trunkMedia.received.length).toBeGreaterThan(heardBefore.trunk + 100);
      expect(agentMedia.received.length).toBeGreaterThan(heardBefore.agent + 100);
    });
    expect(missingPackets(trunkMedia.received)).toBe(0);
    expect(missingPackets(agentMedia.received)).toBe(0);

    // The trunk hangs up: its BYE (in the old process's dialog) is answered, the agent gets one.
    const bye = await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));
    expect(bye.status).toBe(200);
    await vi.waitFor(() => expect(agent.byes).toHaveLength(1), { timeout: 5_000 });
    expect(trunkByes).toHaveLength(0);
    await vi.waitFor(
      async () => expect(await sessions()).toMatchObject([{ state: "stopped", outcome: "complete" }]),
      {
        timeout: 10_000,
      },
    );
    const pauses = await rows<{ resumedAt: unknown }>(`select "pausedAt", "resumedAt" from "RecordingPause"`);
    expect(pauses).toHaveLength(1);
    expect(pauses[0]!.resumedAt).not.toBeNull();
    await vi.waitFor(async () => expect(await engineLegs()).toBe(0), { timeout: 5_000 });
    expect(await savedCalls()).toBe(0);
    expect(await trpc<unknown[]>("calls.list")).toHaveLength(0);
    // The next test opens the same phones' ports.
    for (const close of closers.splice(0).reverse()) await close();
  }, 90_000);

  it("when the media engine died too, the restarted server ends the call: BYE to both parties, the recording failed, one alarm", async () => {
    const agent = await registeredAgent(SERVER, "1001", AGENT_MEDIA, closers);
    const { trunk, byes: trunkByes } = await trunkWithByes(closers);
    const { response } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    const latest = async () =>
      (
        await rows<{ id: string; state: string }>(
          `select "id", "state" from "RecordingSession" order by "startedAt" desc limit 1`,
        )
      )[0]!;
    await vi.waitFor(async () => expect((await latest()).state).toBe("recording"), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await savedCalls()).toBe(1));

    const server = serverPid()!;
    const engine = pidOnUdpPort(ports.mediaSip);
    process.kill(server, "SIGKILL");
    process.kill(engine, "SIGKILL");
    await vi.waitFor(
      () => {
        expect(trunkByes).toHaveLength(1);
        expect(agent.byes).toHaveLength(1);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(serverPid()).not.toBe(server);
    expect(trunkByes[0]!.headers.get("Reason")).toMatch(/cause=503;text="Media path lost/);
    expect(agent.byes[0]!.headers.get("Reason")).toMatch(/Media path lost/);
    await vi.waitFor(async () => expect((await latest()).state).toBe("failed"), { timeout: 5_000 });
    const alarms = await rows<{ message: string }>(
      `select "kind", "message" from "Alarm" where "kind" = 'media_engine_lost'`,
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.message).toMatch(/1 call ended \(BYE to both parties\), 1 recording failed/);
    expect(await savedCalls()).toBe(0);
    expect(await trpc<unknown[]>("calls.list")).toHaveLength(0);
    for (const close of closers.splice(0).reverse()) await close();
  }, 60_000);

  it("a party on a WebSocket (a browser) cannot come back: the restarted server sends the other party a BYE and stops the recording", async () => {
    const { browser } = await browserAs1001();
    const { trunkByes, latest } = await recordedTrunkCallTo(browser);
    await vi.waitFor(async () => expect(await savedCalls()).toBe(1));

    const killedAt = Date.now();
    process.kill(serverPid()!, "SIGKILL");
    await vi.waitFor(() => expect(trunkByes).toHaveLength(1), { timeout: 20_000, interval: 100 });
    expect(trunkByes[0]!.headers.get("Reason")).toMatch(
      /cause=480;text="Connection lost in a server restart"/,
    );
    await vi.waitFor(async () => expect((await latest()).state).toBe("stopped"), { timeout: 5_000 });
    // Ended when the new server ended the call (the media ran through the engine until then).
    expect(new Date((await latest()).endedAt as string).getTime()).toBeGreaterThan(killedAt);
    expect(fixture.stack.output()).toMatch(/1 of them to end \(a party's connection is gone\)/);
    expect(await savedCalls()).toBe(0);
    await vi.waitFor(async () => expect(await engineLegs()).toBe(0), { timeout: 5_000 });
  }, 60_000);
});

describe("a browser that goes away mid-call", () => {
  it("its WebSocket closes: the other party gets a BYE at once, and the recording stops", async () => {
    // The tests before keep their trunk (on the demo trunk's port 5062) and phones open.
    for (const close of closers.splice(0).reverse()) await close();
    const { browser, ws } = await browserAs1001();
    const { trunkByes, latest } = await recordedTrunkCallTo(browser);

    // The tab is closed: no BYE from it, its connection just ends.
    const closedAt = Date.now();
    await ws.close();
    await vi.waitFor(() => expect(trunkByes).toHaveLength(1), { timeout: 5_000, interval: 50 });
    expect(trunkByes[0]!.headers.get("Reason")).toMatch(/cause=480;text="Connection lost"/);
    await vi.waitFor(async () => expect((await latest()).state).toBe("stopped"), { timeout: 5_000 });
    expect(new Date((await latest()).endedAt as string).getTime()).toBeGreaterThanOrEqual(closedAt - 1000);
    expect(await savedCalls()).toBe(0);
    await vi.waitFor(async () => expect(await engineLegs()).toBe(0), { timeout: 5_000 });
  }, 60_000);
});
