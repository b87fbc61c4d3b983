/**
 * WebRTC legs per media-engine core. A media engine process (pinned to core 0) anchors N browser
 * legs (ICE + DTLS-SRTP, G.711), bridged in pairs; werift peers in this process (pinned to core
 * 1) stand in for browsers and send 50 packets/s each. Reported: media engine CPU, packets lost
 * end to end, and the same figures for N plain RTP legs on the same engine (the reference: the
 * relay without SRTP), so the ratio shows what WebRTC costs.
 *   npx tsx bench/webrtc/webrtc-legs-bench.ts [--legs 50,100,200] [--seconds 10] [--json bench/results/webrtc-legs.json]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { serializeRtpPacket } from "../../protocol/rtp";
import { parseSdp } from "../../protocol/sdp";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { BrowserPeer } from "../../media-engine/webrtc/test-support/browser-peer";
import { MediaEnginePool, type MediaLegHandle } from "../../server/sip/media/media-engine-pool";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const legCounts = (arg("--legs") ?? "50,100,200").split(",").map(Number);
const seconds = Number(arg("--seconds") ?? "10");
const jsonPath = arg("--json") ?? "bench/results/webrtc-legs.json";
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const pin = spawnSync("taskset", ["-c", "0", "true"]).status === 0 && os.cpus().length >= 2;
const ME_SIP = 5631;
const TARGET_LEGS = 300;

if (pin) spawnSync("taskset", ["-cp", "1", String(process.pid)]);

function startEngine(): Promise<ChildProcess> {
  const node = [process.execPath, "--import", "tsx", path.join(root, "media-engine/main.ts")];
  const [command, ...rest] = pin ? ["taskset", "-c", "0", ...node] : node;
  const child = spawn(command!, rest, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      MEDIA_ENGINE_SIP_PORT: String(ME_SIP),
      MEDIA_ENGINE_HTTP_PORT: String(ME_SIP + 1),
      RTP_PORT_MIN: "50000",
      RTP_PORT_MAX: "59999",
      RTP_INACTIVITY_TIMEOUT_S: "0",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve) => {
    child.stdout!.on("data", (c: Buffer) => {
      if (c.toString().includes("media-engine ready")) resolve(child);
    });
  });
}

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function packet(seq: number, ssrc: number): Buffer {
  return serializeRtpPacket({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: seq * 160,
    ssrc,
    csrcs: [],
    extension: false,
    payload: Buffer.alloc(160, 0xff),
  });
}

type Result = {
  legs: number;
  mode: "webrtc" | "rtp";
  engineCpuPercent: number;
  sent: number;
  received: number;
  lossPercent: number;
  setupSeconds: number;
};

async function runWebRtc(pool: MediaEnginePool, engine: ChildProcess, legs: number): Promise<Result> {
  const peers: BrowserPeer[] = [];
  const handles: MediaLegHandle[] = [];
  const setupStart = Date.now();
  for (let i = 0; i < legs; i++) {
    const peer = BrowserPeer.create(["PCMU"]);
    const offer = await peer.createOffer();
    const leg = await pool.openLeg(Buffer.from(offer), { callId: `w${i}` });
    await peer.setAnswer(leg.answer.toString());
    peers.push(peer);
    handles.push(leg);
  }
  await Promise.all(peers.map((p) => p.connected(30_000)));
  for (let i = 0; i + 1 < legs; i += 2) await pool.join(handles[i]!, handles[i + 1]!);
  const setupSeconds = (Date.now() - setupStart) / 1000;
  const result = await drive(
    engine,
    legs,
    setupSeconds,
    "webrtc",
    (i, seq) => void peers[i]!.send(packet(seq, 1000 + i)),
    () => peers.reduce((sum, p) => sum + p.received.length, 0),
  );
  for (const h of handles) await pool.closeLeg(h);
  await Promise.all(peers.map((p) => p.close()));
  return result;
}

async function runRtp(pool: MediaEnginePool, engine: ChildProcess, legs: number): Promise<Result> {
  const sockets: dgram.Socket[] = [];
  const handles: MediaLegHandle[] = [];
  let received = 0;
  for (let i = 0; i < legs; i++) {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
    socket.on("message", () => received++);
    const port = socket.address().port;
    const sdp = [
      "v=0",
      "o=b 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio ${port} RTP/AVP 0`,
      "a=rtpmap:0 PCMU/8000",
      "",
    ].join("\r\n");
    handles.push(await pool.openLeg(Buffer.from(sdp), { callId: `r${i}` }));
    sockets.push(socket);
  }
  for (let i = 0; i + 1 < legs; i += 2) await pool.join(handles[i]!, handles[i + 1]!);
  const ports = handles.map((h) => parseSdp(h.answer).media[0]!.port);
  const result = await drive(
    engine,
    legs,
    0,
    "rtp",
    (i, seq) => sockets[i]!.send(packet(seq, 1000 + i), ports[i]!, "127.0.0.1"),
    () => received,
  );
  for (const h of handles) await pool.closeLeg(h);
  for (const s of sockets) s.close();
  return result;
}

/** 50 packets/s per leg for `seconds`, from one 20 ms timer. */
async function drive(
  engine: ChildProcess,
  legs: number,
  setupSeconds: number,
  mode: Result["mode"],
  sendOne: (leg: number, seq: number) => void,
  receivedSoFar: () => number,
): Promise<Result> {
  const before = cpuSeconds(engine.pid!);
  const start = Date.now();
  let seq = 0;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (let i = 0; i < legs; i++) sendOne(i, seq);
      sent += legs;
      seq++;
      if (Date.now() - start >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cpu = cpuSeconds(engine.pid!) - before;
  const elapsed = (Date.now() - start) / 1000;
  const received = receivedSoFar();
  return {
    legs,
    mode,
    engineCpuPercent: (100 * cpu) / elapsed,
    sent,
    received,
    lossPercent: (100 * (sent - received)) / sent,
    setupSeconds,
  };
}

const engine = await startEngine();
const ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port: 0 }));
const pool = new MediaEnginePool(ua, [`sip:127.0.0.1:${ME_SIP}`], {
  from: "<sip:bench@127.0.0.1>",
  contact: "<sip:bench@127.0.0.1>",
});
await pool.checkAll();
const results: Result[] = [];
try {
  for (const legs of legCounts) {
    results.push(await runRtp(pool, engine, legs));
    results.push(await runWebRtc(pool, engine, legs));
  }
} finally {
  await ua.close();
  engine.kill("SIGTERM");
}
const rows = legCounts.map((legs) => {
  const rtp = results.find((r) => r.legs === legs && r.mode === "rtp")!;
  const web = results.find((r) => r.legs === legs && r.mode === "webrtc")!;
  return {
    legs,
    "webrtc engine CPU %": web.engineCpuPercent.toFixed(1),
    "webrtc loss %": web.lossPercent.toFixed(2),
    "webrtc set-up s": web.setupSeconds.toFixed(1),
    "rtp engine CPU %": rtp.engineCpuPercent.toFixed(1),
    "rtp loss %": rtp.lossPercent.toFixed(2),
    "CPU ratio webrtc/rtp": (web.engineCpuPercent / Math.max(rtp.engineCpuPercent, 0.1)).toFixed(2),
    "legs per core (projected)": Math.floor((legs * 100) / Math.max(web.engineCpuPercent, 0.1)),
  };
});
console.table(rows);
console.log(`target: ${TARGET_LEGS} WebRTC legs per media-engine core; pinned: ${pin}`);
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(
  jsonPath,
  `${JSON.stringify({ date: new Date().toISOString(), seconds, pinned: pin, results }, null, 2)}\n`,
);
console.log(`wrote ${jsonPath}`);
