import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { parseMsml, type DtmfMasking, type MsmlEvent } from "../../protocol/msml";
import { parseSdp } from "../../protocol/sdp";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { MediaEnginePool, type MediaLegHandle } from "../../server/sip/media/media-engine-pool";
import { HOST, PORTS, pinnedArgv, sleep } from "./bench-machine";
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
};

/** A plain-RTP PCMU offer from a phone at 127.0.0.1:`port`, as a SIP phone or trunk would send it. */
function pcmuOffer(port: number): Buffer {
  return Buffer.from(
    [
      "v=0",
      `o=phone ${port} 1 IN IP4 ${HOST}`,
      "s=-",
      `c=IN IP4 ${HOST}`,
      "t=0 0",
      `m=audio ${port} RTP/AVP 0`,
      "a=rtpmap:0 PCMU/8000",
      "",
    ].join("\r\n"),
  );
}

/**
 * The real media engine process (media-engine/main.ts, pinned to core 0) and what the SIP Server
 * has of it: a UA on the bench's SIP port, the MediaEnginePool that opens legs and sends MSML
 * exactly as the server does, and the MSML <event>s the engine reports in INFO.
 */
export class EngineUnderTest {
  readonly calls: EngineCall[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly ua: UserAgentCore,
    readonly pool: MediaEnginePool,
    readonly events: MsmlEvent[],
  ) {}

  static async start(): Promise<EngineUnderTest> {
    const [command, ...args] = pinnedArgv(0, [
      process.execPath,
      "--import",
      "tsx",
      path.join(root, "media-engine/main.ts"),
    ]);
    const child = spawn(command!, args, {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        MEDIA_ENGINE_SIP_PORT: String(PORTS.engineSip),
        MEDIA_ENGINE_HTTP_PORT: String(PORTS.engineHttp),
        MEDIA_ENGINE_HOST: HOST,
        RTP_PORT_MIN: String(PORTS.engineRtp.min),
        RTP_PORT_MAX: String(PORTS.engineRtp.max),
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
    const pool = new MediaEnginePool(ua, [`sip:${HOST}:${PORTS.engineSip}`], {
      from: `<sip:forkline@${HOST}>`,
      contact: `<sip:forkline@${HOST}:${PORTS.controllerSip}>`,
    });
    await pool.checkAll();
    return new EngineUnderTest(child, ua, pool, events);
  }

  get pid(): number {
    return this.child.pid!;
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
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const call = next++;
        const ports = callPorts(call);
        const legA = await this.pool.openLeg(pcmuOffer(ports.phoneA), { callId: `bench-${call}` });
        const legB = await this.pool.openLeg(pcmuOffer(ports.phoneB), {
          callId: `bench-${call}`,
          beside: legA,
        });
        await this.pool.join(legA, legB);
        const result = await this.pool.msml(legA, [
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
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
    const deadline = Date.now() + 30_000;
    const started = () =>
      new Set(this.events.filter((e) => e.name === "forkline.recording.started").map((e) => e.id)).size;
    while (started() < count) {
      if (Date.now() > deadline) throw new Error(`only ${started()} of ${count} recordings started`);
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
    await Promise.all(this.calls.flatMap((c) => [this.pool.closeLeg(c.legA), this.pool.closeLeg(c.legB)]));
    await this.ua.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
}
