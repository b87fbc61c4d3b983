import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { parseMsml, type DtmfMasking, type MsmlEvent, type RecordingEncryption } from "../../protocol/msml";
import { parseSdp } from "../../protocol/sdp";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { MediaEnginePool, type MediaLegHandle } from "../../server/sip/media/media-engine-pool";
import { type EnginePorts, enginePorts, HOST, PORTS, pinnedArgv, sleep } from "./bench-machine";
import { callPorts } from "./load-sink-process";

const root = path.resolve(import.meta.dirname, "../..");

/** One recorded call on the engine: two joined legs and one recording of both parties. */
export type EngineCall = {
  call: number;
  legA: MediaLegHandle;
  legB: MediaLegHandle;
  /** Where the engine takes each party's RTP (its SDP answers). */
  portA: number;
  portB: number;
  dialogId: string;
  /** With SRTP legs: per party, the phone's SDES key and the engine's (hex master key + salt). */
  keys?: { phone: string; engine: string }[];
};

/**
 * A plain-RTP PCMU offer from a phone at 127.0.0.1:`port`, as a SIP phone or trunk would send it;
 * `rtcpMux`: with a=rtcp-mux (RFC 5761), as SBCs and WebRTC gateways send it.
 */
function pcmuOffer(port: number, rtcpMux: boolean, sdesKey?: Buffer): Buffer {
  return Buffer.from(
    [
      "v=0",
      `o=phone ${port} 1 IN IP4 ${HOST}`,
      "s=-",
      `c=IN IP4 ${HOST}`,
      "t=0 0",
      `m=audio ${port} RTP/${sdesKey === undefined ? "AVP" : "SAVP"} 0`,
      "a=rtpmap:0 PCMU/8000",
      // RFC 4568 §9.1: the offerer's key, what it will encrypt its RTP with.
      ...(sdesKey === undefined
        ? []
        : [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${sdesKey.toString("base64")}`]),
      ...(rtcpMux ? ["a=rtcp-mux"] : []),
      "",
    ].join("\r\n"),
  );
}

/** The SDES key (hex) of an SDP's first a=crypto line. */
function sdesKeyOf(sdp: string): string {
  const key = /^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:([A-Za-z0-9+/=]+)/m.exec(sdp)?.[1];
  if (key === undefined) throw new Error(`no AES_CM_128_HMAC_SHA1_80 key in the engine's answer:\n${sdp}`);
  return Buffer.from(key, "base64").toString("hex");
}

/** How EngineUnderTest.start runs the engines: how many, their ports, their core, the load's ports. */
export type EngineOptions = {
  /** One per engine process (bench-machine's enginePorts); the standard lone engine by default. */
  engines?: EnginePorts[];
  /** The core of every engine; `undefined`: any core (the scheduler places them). */
  core?: number | undefined;
  /** The load sink's port block, where the phones' offers point. */
  loadBase?: number;
  /**
   * The checkout whose media-engine/main.ts runs (default: this one): another commit's tree, for a
   * before/after comparison in one run (recorded-calls-bench.ts --baseline).
   */
  root?: string;
  /** Node options for the engine processes, e.g. `--cpu-prof --cpu-prof-dir <dir>` (bench `--cpu-prof`). */
  nodeArgs?: readonly string[];
};

/**
 * The real media engine process (media-engine/main.ts, pinned to core 0), or several of them, and
 * what the SIP Server has of them: a UA on the bench's SIP port, a MediaEnginePool per engine
 * that opens legs and sends MSML exactly as the server does (one pool each, so that calls go
 * round-robin, call i on engine i mod n, whatever order the parallel set-ups finish in), and the
 * MSML <event>s the engines report in INFO.
 */
export class EngineUnderTest {
  readonly calls: EngineCall[] = [];

  private constructor(
    readonly children: ChildProcess[],
    readonly ua: UserAgentCore,
    readonly pools: MediaEnginePool[],
    readonly events: MsmlEvent[],
    private readonly loadBase: number,
  ) {}

  static async start(options: EngineOptions = {}): Promise<EngineUnderTest> {
    const engines = options.engines ?? enginePorts(1, false);
    const core = "core" in options ? options.core : 0;
    const children: ChildProcess[] = [];
    try {
      // Started one after the other: n TypeScript loads at once on 2 cores only slow each other.
      for (const ports of engines)
        children.push(await startEngine(ports, core, options.nodeArgs ?? [], options.root ?? root));
    } catch (error) {
      for (const child of children) child.kill("SIGKILL");
      throw error;
    }
    const events: MsmlEvent[] = [];
    const ua = new UserAgentCore({
      delegate: {
        handlers: {
          INFO: (request) => {
            const document = parseMsml(request.message.body);
            if (document.type === "event") events.push(document);
            request.reply(200);
          },
        },
        onError: () => undefined,
      },
    });
    await ua.addTransport(new UdpTransport({ host: HOST, port: PORTS.controllerSip }));
    const pools = engines.map(
      (ports) =>
        new MediaEnginePool(ua, [`sip:${HOST}:${ports.sip}`], {
          from: `<sip:forkline@${HOST}>`,
          contact: `<sip:forkline@${HOST}:${PORTS.controllerSip}>`,
        }),
    );
    await Promise.all(pools.map((pool) => pool.checkAll()));
    return new EngineUnderTest(children, ua, pools, events, options.loadBase ?? PORTS.loadBase);
  }

  /** The first engine's pid (the one engine of the single-engine benches). */
  get pid(): number {
    return this.children[0]!.pid!;
  }

  get pids(): number[] {
    return this.children.map((child) => child.pid!);
  }

  /** The first engine's pool (the one engine of the single-engine benches). */
  get pool(): MediaEnginePool {
    return this.pools[0]!;
  }

  /**
   * Opens `count` recorded calls as the server does for a trunk call to an extension that is
   * recorded: a leg per party (INVITE with the party's SDP), MSML <join>, then <dialogstart> with
   * <record dest="sip:…"> on the first leg (server/sip/media/recording-control.ts), which records
   * both parties' streams. `dtmfMasking` as the server sends it (its default, events+inband,
   * holds each recorded packet back until the next one arrives). `parallel` calls at a time. Resolves once the engine has
   * reported every recording started (its SIPREC INVITE answered).
   */
  async openRecordedCalls(
    count: number,
    recorderUri: string,
    dtmfMasking: DtmfMasking,
    parallel = 16,
    /** SRTP on the recording streams (MSML record `encryption`), as a recorder set to required gets. */
    encryption: RecordingEncryption = "off",
    /** The phones offer a=rtcp-mux: each leg then holds one port. */
    rtcpMux = false,
    /** The first call's number (calls `from` … `from + count - 1`), to add calls to those open. */
    from = 0,
    /** SDES-SRTP on both parties' legs (RTP/SAVP offers with a key each). */
    srtpLegs = false,
  ): Promise<void> {
    let next = from;
    const end = from + count;
    const worker = async () => {
      while (next < end) {
        const call = next++;
        const ports = callPorts(call, this.loadBase);
        const pool = this.pools[call % this.pools.length]!;
        const phoneKeys = srtpLegs ? [randomBytes(30), randomBytes(30)] : undefined;
        const legA = await pool.openLeg(pcmuOffer(ports.phoneA, rtcpMux, phoneKeys?.[0]), {
          callId: `bench-${call}`,
        });
        const legB = await pool.openLeg(pcmuOffer(ports.phoneB, rtcpMux, phoneKeys?.[1]), {
          callId: `bench-${call}`,
          beside: legA,
        });
        await pool.join(legA, legB);
        const result = await pool.msml(legA, [
          {
            kind: "dialogstart",
            target: legA.connId,
            name: `rec${call}`,
            type: "application/moml+xml",
            record: {
              dest: [recorderUri],
              recordingId: `bench-${call}`,
              params: {},
              dtmfMasking,
              encryption,
              participants: [
                {
                  conn: legA.connId,
                  aor: `sip:${1000 + call}@forkline`,
                  dn: String(1000 + call),
                  role: "agent",
                },
                { conn: legB.connId, aor: `sip:+1555${call}@trunk`, role: "customer" },
              ],
            },
          },
        ]);
        if (result.response !== 200 || result.dialogid === undefined)
          throw new Error(`recording refused: ${result.response} ${result.description ?? ""}`);
        this.calls[call] = {
          call,
          legA,
          legB,
          portA: parseSdp(legA.answer).media[0]!.port,
          portB: parseSdp(legB.answer).media[0]!.port,
          dialogId: result.dialogid,
          ...(phoneKeys === undefined
            ? {}
            : {
                keys: [legA, legB].map((leg, party) => ({
                  phone: phoneKeys[party]!.toString("hex"),
                  engine: sdesKeyOf(leg.answer.toString()),
                })),
              }),
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
    const deadline = Date.now() + 30_000;
    const started = () =>
      new Set(this.events.filter((e) => e.name === "forkline.recording.started").map((e) => e.id)).size;
    while (started() < end) {
      // A recording the engine could not start (no RTP port for its streams…) says why at once.
      const failed = this.events.find((e) => e.name === "forkline.recording.failed");
      if (failed !== undefined)
        throw new Error(
          `recording failed: ${failed.fields.find((f) => f.name === "reason")?.value ?? "no reason given"}`,
        );
      if (Date.now() > deadline) throw new Error(`only ${started()} of ${end} recordings started`);
      await sleep(50);
    }
  }

  /**
   * Recording events other than started/paused/resumed/stopped (interrupted, continued, skipped,
   * failed…), counted by name and reason: a run without trouble has none.
   */
  troubleEvents(): string[] {
    const counts = new Map<string, number>();
    for (const event of this.events) {
      if (/\.(started|paused|resumed|stopped)$/.test(event.name)) continue;
      const reason = event.fields.find((f) => f.name === "reason")?.value;
      const key = `${event.name}${reason === undefined ? "" : ` (${reason})`}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([key, count]) => `${count} × ${key}`);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.calls.flatMap((c) => {
        if (c === undefined) return [];
        const pool = this.pools[c.call % this.pools.length]!;
        return [pool.closeLeg(c.legA), pool.closeLeg(c.legB)];
      }),
    );
    await this.ua.close();
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** One media engine process on `ports`, on `core` (any core when undefined), once it is ready. */
async function startEngine(
  ports: EnginePorts,
  core: number | undefined,
  nodeArgs: readonly string[],
  tree: string,
): Promise<ChildProcess> {
  const [command, ...args] = pinnedArgv(core, [
    process.execPath,
    ...nodeArgs,
    "--import",
    "tsx",
    path.join(tree, "media-engine/main.ts"),
  ]);
  const child = spawn(command!, args, {
    cwd: tree,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      MEDIA_ENGINE_SIP_PORT: String(ports.sip),
      MEDIA_ENGINE_HTTP_PORT: String(ports.http),
      MEDIA_ENGINE_HOST: HOST,
      RTP_PORT_MIN: String(ports.rtpMin),
      RTP_PORT_MAX: String(ports.rtpMax),
      RTP_INACTIVITY_TIMEOUT_S: "0",
      // Set-up runs calls in parallel: the default per-source rate would refuse part of them.
      MEDIA_ENGINE_INVITE_RATE: "10000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(`[media-engine] ${chunk.toString()}`));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("media-engine ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`media engine exited (${code}): ${output}`)));
  });
  child.stdout!.resume();
  return child;
}
