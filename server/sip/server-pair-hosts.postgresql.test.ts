import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSdp } from "../../protocol/sdp";
import { spawnService, type SpawnedProcess } from "../../media-engine/test-support/engine-harness";
import { missingPackets, talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { registeredAgent } from "../test-support/registered-agent";
import { firstSipAnswer } from "../test-support/sip-ping";
import type { Closer } from "../test-support/stack-fixture";
import { canCreateNetworks, createTestNetwork, type TestNetwork } from "../test-support/test-network";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../test-support/throwaway-postgres";
import { trunkWithByes } from "../test-support/trunk-with-byes";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { rtpPayloads, sipp, sippArgs, startCapture, stopCapture } from "../test-support/sipp";

// Issue 14 §4/§5 on several hosts (network namespaces on one bridge): PostgreSQL on `db`, SIP
// Servers `ctl-a` and `ctl-b` (an HA pair sharing a virtual SIP address), media engines on
// `media-1` and `media-2`, the lab recorder on `rec`. In the first two tests this test process is
// the PSTN trunk and the agents' phones (so that it counts every RTP packet they receive); in the
// third, independent peers are: SIPp as the trunk on `pstn` and as the agent's phone on `phones`,
// with tshark capturing what each receives on its own host.
// The virtual address is a macvlan with a fixed MAC (as VRRP's virtual MAC): whichever host
// brings it up answers for it, with nobody's ARP cache to update. ctl-a dies as a host dies —
// its link cut and its process killed — and ctl-b takes the address, the call and its recording.
const tag = process.pid % 100_000;
const SUBNET = `10.78.${tag % 250}`;
const HOSTS = ["db", "ctl-a", "ctl-b", "media-1", "media-2", "rec", "pstn", "phones"] as const;
const SECRET = "hosts-test-secret-0123456789abcdef";
const AGENT_MEDIA = 40370;
const AGENT2_MEDIA = 40372;
const TRUNK_MEDIA = 40380;
const TRUNK_SIP = 40390;

const run = canCreateNetworks();
if (!run) console.warn("server-pair-hosts: skipped — network namespaces need root on Linux");

let net: TestNetwork;
let postgres: ThrowawayPostgres;
let url: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-pair-hosts-"));
const processes: SpawnedProcess[] = [];
const SCENARIOS = path.join(import.meta.dirname, "__scenarios__");
const G711A_PCAP = "/usr/share/sip-tester/g711a.pcap";
let ctlA: SpawnedProcess;
let ctlB: SpawnedProcess;
const engines: Record<string, SpawnedProcess> = {};
let token: string;
const closers: Closer[] = [];

const vip = () => net.spareIp(100);
/** HA_VIP_UP/DOWN_COMMAND: a macvlan with the pair's own MAC, carrying the SIP address. */
const vipUp = () =>
  `ip link add vip0 link ${net.nic} address 02:00:5e:00:01:01 type macvlan mode bridge && ` +
  `ip addr add ${vip()}/24 dev vip0 && ip link set vip0 up`;
const VIP_DOWN = "ip link del vip0 2>/dev/null || true";

function serverEnv(host: "ctl-a" | "ctl-b"): Record<string, string> {
  return {
    HOME: process.env.HOME ?? "/root",
    DATABASE_URL: url,
    DATA_DIR: path.join(dir, host),
    HA_NODE: host,
    HA_LEASE_MS: "1500",
    HA_VIP_UP_COMMAND: vipUp(),
    HA_VIP_DOWN_COMMAND: VIP_DOWN,
    SIP_HOST: vip(),
    PUBLIC_IP: vip(),
    SIP_PORT: "5060",
    HTTP_HOST: net.ipOf(host),
    HTTP_PORT: "3000",
    MEDIA_ENGINE_URI: `sip:${net.ipOf("media-1")}:5070,sip:${net.ipOf("media-2")}:5070`,
    MEDIA_ENGINE_SECRET: SECRET,
    ADMIN_PASSWORD: "hosts-admin-password",
    RECORDINGS_DIR: path.join(dir, "recordings"),
    FORKLINE_AUTO_BUILD: "false",
  };
}

async function api<T>(host: "ctl-a" | "ctl-b", procedure: string, input?: unknown): Promise<T> {
  const target = `http://${net.ipOf(host)}:3000/api/trpc/${procedure}`;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const response =
    input === undefined
      ? await fetch(target, { headers })
      : await fetch(target, { method: "POST", headers, body: JSON.stringify({ json: input }) });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (body.result === undefined) throw new Error(`${procedure} on ${host}: ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}

async function rows<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}
/** The recording sessions of one call. */
const sessions = (connId: string) =>
  rows<{ connId: string; state: string; outcome: string }>(
    `select "connId", "state", "outcome" from "RecordingSession" where "connId" = '${connId}' order by "startedAt"`,
  );

beforeAll(async () => {
  if (!run) return;
  net = createTestNetwork(tag, HOSTS, SUBNET);
  postgres = await startThrowawayPostgres({ host: net.ipOf("db"), wrap: net.wrap("db"), allowNet: net.cidr });
  url = postgres.urlOf("postgres");
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, "../../scripts/migrate.mjs")], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: url, FORKLINE_QUIET_MIGRATE: "1" },
    stdio: "pipe",
  });
  for (const media of ["media-1", "media-2"] as const) {
    const engine = await spawnService(
      "media-engine/main.ts",
      {
        MEDIA_ENGINE_HOST: net.ipOf(media),
        PUBLIC_IP: net.ipOf(media),
        MEDIA_ENGINE_SIP_PORT: "5070",
        MEDIA_ENGINE_HTTP_PORT: "5071",
        RTP_PORT_MIN: "20000",
        RTP_PORT_MAX: "20199",
        MEDIA_ENGINE_ALLOWED_SOURCES: net.cidr,
        MEDIA_ENGINE_SECRET: SECRET,
      },
      "media-engine ready",
      net.wrap(media),
    );
    processes.push(engine);
    engines[media] = engine;
  }
  processes.push(
    await spawnService(
      "recorder/main.ts",
      {
        RECORDER_SIP_HOST: net.ipOf("rec"),
        RECORDER_ADVERTISED_HOST: net.ipOf("rec"),
        RECORDER_HOST: net.ipOf("rec"),
        RECORDER_SIP_PORT: "5080",
        RECORDER_HTTP_PORT: "5081",
        RECORDER_ALLOWED_SOURCES: net.cidr,
        RECORDINGS_DIR: path.join(dir, "recordings"),
      },
      "recorder ready",
      net.wrap("rec"),
    ),
  );
  // ctl-a first: it finds the lease free and becomes the active instance.
  ctlA = await spawnService("server/main.ts", serverEnv("ctl-a"), "server ready", net.wrap("ctl-a"));
  processes.push(ctlA);
  token = fs.readFileSync(path.join(dir, "ctl-a", "forkline.api-token"), "utf8").trim();
  ctlB = await spawnService("server/main.ts", serverEnv("ctl-b"), "server ready", net.wrap("ctl-b"));
  processes.push(ctlB);
  await api("ctl-a", "recorder.set", { name: "lab", uri: `sip:${net.ipOf("rec")}:5080`, intent: "update" });
  await api("ctl-a", "dn.set", {
    number: "pstn",
    type: "trunk",
    peer: `${net.hostIp}:${TRUNK_SIP}`,
    record: true,
    intent: "update",
  });
}, 180_000);

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await Promise.all(processes.map((p) => p.stop()));
  postgres?.stop();
  net?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Open media legs on a media host's engine (its /metrics). */
async function legsOn(media: "media-1" | "media-2"): Promise<number> {
  const text = await (await fetch(`http://${net.ipOf(media)}:5071/metrics`)).text();
  return Number(/^forkline_media_legs (\d+)$/m.exec(text)?.[1]);
}

/** Which media host anchors a call: the address in the SDP its party got. */
const mediaHostOf = (sdp: Buffer) => parseSdp(sdp).connection?.address ?? "";

describe.skipIf(!run)("hosts of their own (network namespaces)", () => {
  it("a media host dies with calls up: only its calls end (BYE to both parties), the other host's call goes on, new calls go to the host left", async () => {
    const server = `${vip()}:5060`;
    const local: Closer[] = [];
    try {
      const agent1 = await registeredAgent(server, "1001", AGENT_MEDIA, local, net.hostIp);
      const agent2 = await registeredAgent(server, "1002", AGENT2_MEDIA, local, net.hostIp);
      const { trunk, byes: trunkByes } = await trunkWithByes(local, TRUNK_SIP, net.hostIp);
      const first = await trunk.call(server, "1001");
      expect(first.response.status).toBe(200);
      await vi.waitFor(async () => expect(await legsOn("media-1")).toBe(2));
      const second = await trunk.call(server, "1002");
      expect(second.response.status).toBe(200);
      // Spread by load: the second call's legs on the other host.
      await vi.waitFor(async () => expect(await legsOn("media-2")).toBe(2));
      expect(mediaHostOf(first.response.body)).toBe(net.ipOf("media-1"));
      expect(mediaHostOf(second.response.body)).toBe(net.ipOf("media-2"));
      await vi.waitFor(() => expect(agent2.remoteMediaPort()).toBeGreaterThan(0));
      // The second call's parties talk throughout.
      const trunkMedia = await UdpPhone.open(TRUNK_MEDIA, net.hostIp);
      const agentMedia = await UdpPhone.open(AGENT2_MEDIA, net.hostIp);
      local.push(
        () => trunkMedia.close(),
        () => agentMedia.close(),
      );
      local.push(
        talk(trunkMedia, parseSdp(second.response.body).media[0]!.port, {
          hz: 440,
          codec: "PCMA",
          ssrc: 0x2001,
          host: net.ipOf("media-2"),
        }),
        talk(agentMedia, agent2.remoteMediaPort()!, {
          hz: 1000,
          codec: "PCMU",
          ssrc: 0x2002,
          host: net.ipOf("media-2"),
        }),
      );
      await vi.waitFor(() => expect(agentMedia.received.length).toBeGreaterThan(10));

      // media-1 dies as a host does: link cut, engine killed.
      net.cut("media-1");
      engines["media-1"]!.child.kill("SIGKILL");
      await vi.waitFor(
        () => {
          expect(agent1.byes).toHaveLength(1);
          expect(trunkByes).toHaveLength(1);
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(trunkByes[0]!.headers.get("Call-ID")).toBe(first.dialog!.id.callId);
      expect(trunkByes[0]!.headers.get("Reason")).toMatch(/Media path lost/);
      expect(agent2.byes).toHaveLength(0);
      const heard = { trunk: trunkMedia.received.length, agent: agentMedia.received.length };
      await vi.waitFor(
        () => {
          expect(trunkMedia.received.length).toBeGreaterThan(heard.trunk + 50);
          expect(agentMedia.received.length).toBeGreaterThan(heard.agent + 50);
        },
        { timeout: 5_000 },
      );

      // A new call goes to media-2, the host left (1001 is free again; the trunk's numbers are 1001 and 1002).
      const third = await trunk.call(server, "1001");
      expect(third.response.status).toBe(200);
      expect(mediaHostOf(third.response.body)).toBe(net.ipOf("media-2"));
      for (const call of [second, third]) {
        const bye = await trunk.ua.sendInDialog(call.dialog!, call.dialog!.createRequest("BYE"));
        expect(bye.status).toBe(200);
      }
      await vi.waitFor(() => expect(agent1.byes).toHaveLength(2), { timeout: 5_000 });
      await vi.waitFor(async () => expect(await api<unknown[]>("ctl-a", "calls.list")).toHaveLength(0), {
        timeout: 5_000,
      });
    } finally {
      for (const close of local.reverse()) await close();
    }
  }, 120_000);

  it("an HA pair: ctl-a's host dies mid-call: ctl-b brings the SIP address up within 3 s, the call and its recording go on, a supervisor pauses, resumes and stops it through ctl-b, the parties hang up normally", async () => {
    expect(net.exec("ctl-a", "ip", "-br", "addr", "show", "vip0")).toContain(vip());
    expect(() => net.exec("ctl-b", "ip", "link", "show", "vip0")).toThrow();
    const server = `${vip()}:5060`;
    const agent = await registeredAgent(server, "1001", AGENT_MEDIA, closers, net.hostIp);
    const agentMedia = await UdpPhone.open(AGENT_MEDIA, net.hostIp);
    closers.push(() => agentMedia.close());
    const { trunk, byes: trunkByes } = await trunkWithByes(closers, TRUNK_SIP, net.hostIp);
    const trunkMedia = await UdpPhone.open(TRUNK_MEDIA, net.hostIp);
    closers.push(() => trunkMedia.close());

    const { response, dialog } = await trunk.call(server, "1001");
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(agent.remoteMediaPort()).toBeGreaterThan(0));
    // media-1 died in the test before: the call is on media-2.
    const engineIp = mediaHostOf(response.body);
    expect(engineIp).toBe(net.ipOf("media-2"));
    closers.push(
      talk(trunkMedia, parseSdp(response.body).media[0]!.port, {
        hz: 440,
        codec: "PCMA",
        ssrc: 0x7172,
        host: engineIp,
      }),
      talk(agentMedia, agent.remoteMediaPort()!, { hz: 1000, codec: "PCMU", ssrc: 0x1001, host: engineIp }),
    );
    const [call] = await api<{ connId: string }[]>("ctl-a", "calls.list");
    await vi.waitFor(
      async () => expect(await sessions(call!.connId)).toMatchObject([{ state: "recording" }]),
      {
        timeout: 10_000,
      },
    );
    // The backup's Live calls show it too (the active one's, through PostgreSQL).
    await vi.waitFor(async () => expect(await api<unknown[]>("ctl-b", "calls.list")).toHaveLength(1), {
      timeout: 5_000,
    });

    // ctl-a's host dies: link cut, process gone; nothing is said to anyone.
    const heardBefore = { trunk: trunkMedia.received.length, agent: agentMedia.received.length };
    const diedAt = Date.now();
    net.cut("ctl-a");
    ctlA.child.kill("SIGKILL");
    const answeredAt = await firstSipAnswer(vip(), 5060, { bindHost: net.hostIp, timeoutMs: 10_000 });
    console.log(`ctl-b answered on the SIP address ${answeredAt - diedAt} ms after ctl-a's host died`);
    expect(answeredAt - diedAt).toBeLessThanOrEqual(3_000);
    expect(net.exec("ctl-b", "ip", "-br", "addr", "show", "vip0")).toContain(vip());
    await vi.waitFor(() => expect(ctlB.output()).toMatch(/HA: ctl-b serves SIP \(1 call\(s\) taken up/), {
      timeout: 5_000,
    });

    // A supervisor pauses, resumes and stops the recording through ctl-b, which holds the call now.
    await api("ctl-b", "recording.pause", { callId: call!.connId, side: "source", reason: "card number" });
    await vi.waitFor(async () => expect(await sessions(call!.connId)).toMatchObject([{ state: "paused" }]), {
      timeout: 5_000,
    });
    await api("ctl-b", "recording.resume", { callId: call!.connId, side: "source" });
    await vi.waitFor(
      async () => expect(await sessions(call!.connId)).toMatchObject([{ state: "recording" }]),
      {
        timeout: 5_000,
      },
    );
    await api("ctl-b", "recording.stop", { callId: call!.connId, side: "source", reason: "customer asked" });
    await vi.waitFor(
      async () =>
        expect(await sessions(call!.connId)).toMatchObject([{ state: "stopped", outcome: "complete" }]),
      { timeout: 10_000 },
    );
    // Media went on through the engine the whole time, both ways, without a gap.
    await vi.waitFor(() => {
      expect(trunkMedia.received.length).toBeGreaterThan(heardBefore.trunk + 100);
      expect(agentMedia.received.length).toBeGreaterThan(heardBefore.agent + 100);
    });
    expect(missingPackets(trunkMedia.received)).toBe(0);
    expect(missingPackets(agentMedia.received)).toBe(0);

    const bye = await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));
    expect(bye.status).toBe(200);
    await vi.waitFor(() => expect(agent.byes).toHaveLength(1), { timeout: 5_000 });
    expect(trunkByes).toHaveLength(0);
    await vi.waitFor(async () => expect(await api<unknown[]>("ctl-b", "calls.list")).toHaveLength(0), {
      timeout: 5_000,
    });
  }, 120_000);
  it("independent peers on hosts of their own: ctl-a comes back as the backup and a trunk change made there reaches ctl-b at once; ctl-b's host dies mid-call; ctl-a takes over; SIPp trunk (pstn) and SIPp phone (phones) each get every G.711 packet, the BYE passes through ctl-a, the recording completes", async () => {
    // ctl-a's host reboots: its SIP address is gone (a reboot clears it), its link comes back, the
    // server starts again and, finding ctl-b's lease held, becomes the backup.
    net.exec("ctl-a", "sh", "-c", VIP_DOWN);
    net.restore("ctl-a");
    ctlA = await spawnService("server/main.ts", serverEnv("ctl-a"), "server ready", net.wrap("ctl-a"));
    processes.push(ctlA);
    expect(ctlA.output()).not.toMatch(/HA: ctl-a is active/);
    expect(() => net.exec("ctl-a", "ip", "link", "show", "vip0")).toThrow();

    // A configuration change made on the backup: the trunk now calls from the pstn host, to 1003
    // as well. The
    // active instance (ctl-b) identifies the trunk's very next INVITE by it, so the change reached
    // it through PostgreSQL before that INVITE.
    const pstn = net.ipOf("pstn");
    const phones = net.ipOf("phones");
    await api("ctl-a", "dn.set", {
      number: "pstn",
      type: "trunk",
      peer: `${pstn}:5060`,
      inboundNumbers: ["1001", "1002", "1003"],
      record: true,
      intent: "update",
    });

    // The agent's phone is SIPp on the phones host. SIPp answers only the first digest challenge
    // and only with MD5, and the server offers SHA-256 first (RFC 8760), so its binding is made by
    // digest on its behalf: the Contact is SIPp's address.
    const registrar = await SipTestPhone.start({}, 0, "UDP", {}, net.hostIp);
    closers.push(() => registrar.close());
    const registered = await registrar.register({
      server: `${vip()}:5060`,
      user: "1003",
      password: "demo-1003",
      contact: `<sip:1003@${phones}:5060>`,
    });
    expect(registered.status).toBe(200);

    const captures = {
      pstn: path.join(dir, "pstn.pcapng"),
      phones: path.join(dir, "phones.pcapng"),
    };
    const tsharks = await Promise.all(
      (["pstn", "phones"] as const).map((host) =>
        startCapture({ iface: net.nic, filter: "udp port 6000", file: captures[host], wrap: net.wrap(host) }),
      ),
    );
    closers.push(...tsharks.map((child) => () => stopCapture(child)));
    const common = (host: "pstn" | "phones") => ({
      host: net.ipOf(host),
      port: 5060,
      mediaPort: 6000,
      timeout: "45s",
      errorFile: path.join(dir, `${host}-errors.log`),
    });
    const errors = (host: string) => {
      const file = path.join(dir, `${host}-errors.log`);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    };
    const phone = sipp(
      sippArgs({ scenario: path.join(SCENARIOS, "extension-uas-talks.xml"), ...common("phones") }),
      60_000,
      net.wrap("phones"),
    );
    await vi.waitFor(() => expect(net.exec("phones", "ss", "-Hlun", "sport", "= :5060")).toContain(phones), {
      timeout: 10_000,
    });
    const trunk = sipp(
      sippArgs({
        remote: `${vip()}:5060`,
        scenario: path.join(SCENARIOS, "trunk-uac-pcma.xml"),
        service: "1003",
        ...common("pstn"),
      }),
      60_000,
      net.wrap("pstn"),
    );

    // The call is up on ctl-b and recorded (the trunk records: the change above).
    const call = await vi
      .waitFor(
        async () => {
          const [live] = await api<{ connId: string }[]>("ctl-b", "calls.list");
          expect(live).toBeDefined();
          expect(await sessions(live!.connId)).toMatchObject([{ state: "recording" }]);
          return live!;
        },
        { timeout: 5_000, interval: 100 },
      )
      .catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\nctl-b: ${ctlB.output().slice(-3000)}\ntrunk: ${(await trunk).output}\n${errors("pstn")}\nphone: ${(await phone).output}\n${errors("phones")}`,
        );
      });

    // ctl-b's host dies mid-call; ctl-a brings the address up and takes the call over.
    const diedAt = Date.now();
    net.cut("ctl-b");
    ctlB.child.kill("SIGKILL");
    const answeredAt = await firstSipAnswer(vip(), 5060, { bindHost: net.hostIp, timeoutMs: 10_000 });
    console.log(`ctl-a answered on the SIP address ${answeredAt - diedAt} ms after ctl-b's host died`);
    expect(answeredAt - diedAt).toBeLessThanOrEqual(3_000);
    await vi.waitFor(() => expect(ctlA.output()).toMatch(/HA: ctl-a serves SIP \(1 call\(s\) taken up/), {
      timeout: 5_000,
    });

    // SIPp's trunk hangs up 9 s after its ACK, through ctl-a; both SIPp scenarios pass.
    const [trunkRun, phoneRun] = await Promise.all([trunk, phone]);
    expect(trunkRun.code, `trunk: ${trunkRun.output}\n${errors("pstn")}`).toBe(0);
    expect(phoneRun.code, `phone: ${phoneRun.output}\n${errors("phones")}`).toBe(0);
    await Promise.all(tsharks.map((child) => stopCapture(child)));

    // Each party received every packet the other sent, in order, through the take-over.
    const sent = rtpPayloads(G711A_PCAP, "rtp");
    expect(sent.length).toBe(236);
    expect(rtpPayloads(captures.phones, `rtp && ip.dst == ${phones} && udp.dstport == 6000`)).toEqual(sent);
    expect(rtpPayloads(captures.pstn, `rtp && ip.dst == ${pstn} && udp.dstport == 6000`)).toEqual(sent);

    // The history: the recording ended with the call, complete, and ctl-a holds no call.
    await vi.waitFor(
      async () =>
        expect(await sessions(call.connId)).toMatchObject([{ state: "stopped", outcome: "complete" }]),
      { timeout: 10_000 },
    );
    await vi.waitFor(async () => expect(await api<unknown[]>("ctl-a", "calls.list")).toHaveLength(0), {
      timeout: 5_000,
    });
  }, 150_000);
});
