import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "../../common/test-support/waiting";
import path from "node:path";
import { parseMsml, type MsmlEvent, type MsmlRecord } from "../../protocol/msml";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { parseSdp } from "../../protocol/sdp";
import { MediaEnginePool, type MediaLegHandle } from "../../server/sip/media/media-engine-pool";
import { UdpPhone } from "../rtp/test-support/udp-phone";

const root = path.resolve(import.meta.dirname, "../..");

export interface SpawnedProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Ends the process (SIGTERM, SIGKILL after 3 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Runs one of Forkline's processes (`media-engine/main.ts`, `recorder/main.ts`) and waits for its ready line. */
export async function spawnService(
  script: string,
  env: Record<string, string>,
  ready: string,
  /** A command the process runs under, e.g. `ip netns exec <ns>` (it execs, so the PID is the process's). */
  wrap: readonly string[] = [],
): Promise<SpawnedProcess> {
  const command = [...wrap, process.execPath, "--import", "tsx", path.join(root, script)];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes(ready), 30_000, `${script} to be ready`);
  // SIGTERM, then SIGKILL if the process has not exited 3 s later: a process left running would
  // hold its ports and a core for the test files after this one.
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, output: () => output, stop };
}

/** A media engine process on fixed loopback ports, its RTP inactivity timer off unless `env` sets it. */
export function spawnMediaEngine(
  ports: {
    sip: number;
    http: number;
    rtpMin: number;
    rtpMax: number;
  },
  env: Record<string, string> = {},
): Promise<SpawnedProcess> {
  return spawnService(
    "media-engine/main.ts",
    {
      MEDIA_ENGINE_SIP_PORT: String(ports.sip),
      MEDIA_ENGINE_HTTP_PORT: String(ports.http),
      RTP_PORT_MIN: String(ports.rtpMin),
      RTP_PORT_MAX: String(ports.rtpMax),
      RTP_INACTIVITY_TIMEOUT_S: "0",
      ...env,
    },
    "media-engine ready",
  );
}

/**
 * What the SIP Server has of a media engine, for tests: a UA, the pool that opens legs and sends
 * MSML, and the MSML <event>s the engine reports back in INFO.
 */
export async function engineController(
  sipPort: number,
): Promise<{ ua: UserAgentCore; pool: MediaEnginePool; events: MsmlEvent[] }> {
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
  await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
  const pool = new MediaEnginePool(ua, [`sip:127.0.0.1:${sipPort}`], {
    from: "<sip:forkline@127.0.0.1>",
    contact: "<sip:forkline@127.0.0.1>",
  });
  await pool.checkAll();
  return { ua, pool, events };
}

/** A plain-RTP G.711 µ-law offer from a phone listening on 127.0.0.1:`port`. */
export function pcmuOffer(port: number, host = "127.0.0.1"): Buffer {
  return Buffer.from(
    [
      "v=0",
      `o=p 1 1 IN IP4 ${host}`,
      "s=-",
      `c=IN IP4 ${host}`,
      "t=0 0",
      `m=audio ${port} RTP/AVP 0`,
      "a=rtpmap:0 PCMU/8000",
      "",
    ].join("\r\n"),
  );
}

/** Where the engine takes a leg's RTP: the port of its SDP answer. */
export const enginePort = (leg: MediaLegHandle): number => parseSdp(leg.answer).media[0]!.port;

/** Two UDP phones, a leg each on the engine, joined: a call in the media path. `phones` collects them for closing. */
export async function joinedCall(
  pool: MediaEnginePool,
  phones: UdpPhone[],
  callId: string,
): Promise<{ a: UdpPhone; b: UdpPhone; legA: MediaLegHandle; legB: MediaLegHandle }> {
  const a = await UdpPhone.open();
  const b = await UdpPhone.open();
  phones.push(a, b);
  const legA = await pool.openLeg(pcmuOffer(a.port), { callId });
  const legB = await pool.openLeg(pcmuOffer(b.port), { callId });
  await pool.join(legA, legB);
  return { a, b, legA, legB };
}

/**
 * Starts a recording of `leg` (MSML `<dialogstart>` with `<record>`, as the SIP Server sends it):
 * `record` gives the destinations and whatever else the test cares about; participants default
 * to the leg as agent 1001 and `other` (when given) as a customer. Resolves with the MSML dialog id.
 */
export async function recordLeg(
  pool: MediaEnginePool,
  leg: MediaLegHandle,
  record: Omit<MsmlRecord, "params"> & { params?: Record<string, string> },
  other?: MediaLegHandle,
): Promise<string> {
  const result = await pool.msml(leg, [
    {
      kind: "dialogstart",
      target: leg.connId,
      name: "agent",
      type: "application/moml+xml",
      record: {
        params: {},
        participants: [
          { conn: leg.connId, aor: "sip:1001@forkline", role: "agent" },
          ...(other === undefined
            ? []
            : [{ conn: other.connId, aor: "sip:+15551230001@pstn", role: "customer" as const }]),
        ],
        ...record,
      },
    },
  ]);
  if (result.dialogid === undefined) throw new Error(`the engine refused the recording: ${result.response}`);
  return result.dialogid;
}
