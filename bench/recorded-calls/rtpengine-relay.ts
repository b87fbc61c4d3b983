import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { parseSdp } from "../../protocol/sdp";
import { HOST, PORTS, pinnedArgv, sleep } from "./bench-machine";
import { bdecode, bencode, type Bencoded } from "./bencode";
import { callPorts } from "./load-sink-process";

export const RTPENGINE_INSTALL =
  "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y rtpengine-daemon";

/** The rtpengine binary, or undefined when Debian's rtpengine-daemon is not installed. */
export function rtpengineBinary(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v rtpengine"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function sdp(port: number, direction?: string): string {
  return [
    "v=0",
    `o=phone ${port} 1 IN IP4 ${HOST}`,
    "s=-",
    `c=IN IP4 ${HOST}`,
    "t=0 0",
    `m=audio ${port} RTP/AVP 0`,
    "a=rtpmap:0 PCMU/8000",
    ...(direction === undefined ? [] : [`a=${direction}`]),
    "",
  ].join("\r\n");
}

/**
 * Sipwise rtpengine, what operators would pick instead of Forkline's engine, as a reference:
 * userspace forwarding only (`table = -1`: no kernel module), one worker thread, pinned like the
 * engine, its own config in a temp dir, ports in the bench's range, run in the foreground as a
 * child (not as the system service), on the media engine's port range. Driven by its ng control protocol (bencode over UDP: a
 * cookie, a space, a dictionary): per call an `offer` (party A) and an `answer` (party B), then
 * `subscribe request` with flag `all` (a sendonly offer with one m-line per party) and
 * `subscribe answer` with the recorder's recvonly SDP, which forks both parties to the sink.
 */
export class RtpengineRelay {
  private readonly pending = new Map<string, (reply: Record<string, Bencoded>) => void>();
  private cookie = 0;
  private readonly legs: [number, number][] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly socket: dgram.Socket,
  ) {
    socket.on("message", (message) => {
      const space = message.indexOf(0x20);
      const cookie = message.subarray(0, space).toString();
      const reply = bdecode(message.subarray(space + 1)) as Record<string, Bencoded>;
      this.pending.get(cookie)?.(reply);
      this.pending.delete(cookie);
    });
  }

  static async start(binary: string, dir: string): Promise<RtpengineRelay> {
    const config = path.join(dir, "rtpengine.conf");
    fs.writeFileSync(
      config,
      [
        "[rtpengine]",
        "table = -1",
        `interface = ${HOST}`,
        `listen-ng = ${HOST}:${PORTS.rtpengineNg}`,
        `port-min = ${PORTS.engineRtp.min}`,
        `port-max = ${PORTS.engineRtp.max}`,
        "num-threads = 1",
        "media-num-threads = 1",
        "timeout = 600",
        "log-level = 4",
        "log-stderr = true",
        "foreground = true",
        "",
      ].join("\n"),
    );
    const [command, ...args] = pinnedArgv(0, [
      binary,
      `--config-file=${config}`,
      `--pidfile=${dir}/rtpengine.pid`,
    ]);
    const child = spawn(command!, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    const relay = new RtpengineRelay(child, socket);
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`rtpengine exited: ${stderr}`);
      const pong = await relay.command({ command: "ping" }, 200).catch(() => undefined);
      if (pong?.result === "pong") break;
      if (attempt > 50) throw new Error(`rtpengine does not answer ping: ${stderr}`);
      await sleep(100);
    }
    return relay;
  }

  get pid(): number {
    return this.child.pid!;
  }

  legPorts(call: number): [number, number] {
    return this.legs[call]!;
  }

  async setUp(calls: number): Promise<void> {
    for (let call = 0; call < calls; call++) {
      const p = callPorts(call);
      const callId = `bench-${call}`;
      const offer = await this.ok({
        command: "offer",
        "call-id": callId,
        "from-tag": "a",
        sdp: sdp(p.phoneA),
      });
      const answer = await this.ok({
        command: "answer",
        "call-id": callId,
        "from-tag": "a",
        "to-tag": "b",
        sdp: sdp(p.phoneB),
      });
      // The offer's rewritten SDP goes to B (where B sends); the answer's to A.
      this.legs[call] = [portOf(answer.sdp), portOf(offer.sdp)];
      const subscription = await this.ok({
        command: "subscribe request",
        "call-id": callId,
        flags: ["all"],
        "to-tag": "rec",
      });
      const media = parseSdp(Buffer.from(subscription.sdp as string)).media;
      if (media.length !== 2)
        throw new Error(`rtpengine subscription offered ${media.length} m-lines, not 2`);
      const answerSdp = sdp(p.sinkA, "recvonly").replace(
        /\r\n$/,
        `\r\nm=audio ${p.sinkB} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\n`,
      );
      await this.ok({ command: "subscribe answer", "call-id": callId, "to-tag": "rec", sdp: answerSdp });
    }
  }

  async stop(): Promise<void> {
    this.socket.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }

  private async ok(message: Record<string, Bencoded>): Promise<Record<string, Bencoded>> {
    const reply = await this.command(message);
    if (reply.result !== "ok")
      throw new Error(
        `rtpengine ${String(message.command)}: ${String(reply["error-reason"] ?? reply.result)}`,
      );
    return reply;
  }

  private command(message: Record<string, Bencoded>, timeoutMs = 5000): Promise<Record<string, Bencoded>> {
    const cookie = `c${++this.cookie}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new Error(`rtpengine: no reply to ${String(message.command)}`));
      }, timeoutMs);
      this.pending.set(cookie, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.socket.send(Buffer.concat([Buffer.from(`${cookie} `), bencode(message)]), PORTS.rtpengineNg, HOST);
    });
  }
}

function portOf(sdpText: Bencoded | undefined): number {
  const port = parseSdp(Buffer.from(String(sdpText))).media[0]?.port;
  if (port === undefined) throw new Error("rtpengine answered an SDP without m-line");
  return port;
}
