/**
 * Two phones per call sending G.711 at 20 ms ptime into the relay's legs and timing what comes
 * back out, as a child of relay-bench.ts (pinned to another core than the relay):
 *   node --import tsx bench/relay/load-generator.ts
 * Gets the legs' ports with the `run` message, answers with its phones' ports, starts on `go`.
 */
import dgram from "node:dgram";
import { performance } from "node:perf_hooks";
import { MessageReader, send, type LoadResult } from "./bench-protocol";

const HOST = "127.0.0.1";
const PTIME_MS = 20;
const PAYLOAD_BYTES = 160; // G.711 at 8000 samples/s for 20 ms
const PACKET_BYTES = 12 + PAYLOAD_BYTES;
/** Offsets in the payload: send time (float64 ms) and whether the packet is counted. */
const SENT_AT = 12;
const MEASURED = 20;
/** Latency histogram in 10 µs buckets up to 2 s; later packets land in the last bucket. */
const BUCKET_MS = 0.01;
const BUCKETS = 200_000;

type Stream = {
  socket: dgram.Socket;
  ssrc: number;
  seq: number;
  timestamp: number;
};

const reader = new MessageReader(process.stdin);
const run = await reader.next("run");
const callCount = run.legs.length;

const histogram = new Uint32Array(BUCKETS);
let measuring = false;
let sent = 0;
let received = 0;
let misrouted = 0;
let maxMs = 0;
let maxSendLagMs = 0;

/**
 * Phone of stream i receives what stream i^1 (the other party of the call) says. The socket is
 * connected to its leg: the relay answers from the leg's port (symmetric RTP), and a connected
 * socket skips the address lookup that would otherwise cost the generator a tick per send.
 */
async function openPhone(legPort: number, expectedSsrc: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  await new Promise<void>((resolve) => socket.connect(legPort, HOST, resolve));
  socket.on("message", (packet) => {
    if (packet.length !== PACKET_BYTES || packet[MEASURED] !== 1) return;
    if (packet.readUInt32BE(8) !== expectedSsrc) {
      misrouted++;
      return;
    }
    const latency = performance.now() - packet.readDoubleLE(SENT_AT);
    received++;
    if (latency > maxMs) maxMs = latency;
    histogram[Math.min(BUCKETS - 1, Math.max(0, Math.floor(latency / BUCKET_MS)))]!++;
  });
  return socket;
}

const streams: Stream[] = [];
for (let call = 0; call < callCount; call++) {
  const [legA, legB] = run.legs[call]!;
  const ssrcA = 0x10000 + call * 2;
  const ssrcB = ssrcA + 1;
  streams.push({ socket: await openPhone(legA, ssrcB), ssrc: ssrcA, seq: 0, timestamp: 0 });
  streams.push({ socket: await openPhone(legB, ssrcA), ssrc: ssrcB, seq: 0, timestamp: 0 });
}
send({
  type: "phones",
  ports: run.legs.map((_, call) => [
    streams[call * 2]!.socket.address().port,
    streams[call * 2 + 1]!.socket.address().port,
  ]),
});

/**
 * A single timer wheel of 1 ms slots: streams are spread evenly over the 20 ms period, as calls
 * that started at random moments would be, and one timer sends every slot that has come due.
 */
const SLOTS = PTIME_MS;
const wheel: Stream[][] = Array.from({ length: SLOTS }, () => []);
streams.forEach((stream, i) => wheel[Math.floor((i * SLOTS) / streams.length)]!.push(stream));

function sendPacket(stream: Stream): void {
  const packet = Buffer.allocUnsafe(PACKET_BYTES);
  packet[0] = 0x80;
  packet[1] = stream.seq === 0 ? 0x80 : 0x00; // PCMU, marker on the first packet of the talkspurt
  packet.writeUInt16BE(stream.seq & 0xffff, 2);
  packet.writeUInt32BE(stream.timestamp >>> 0, 4);
  packet.writeUInt32BE(stream.ssrc, 8);
  packet.fill(0xff, 12); // µ-law silence
  packet[MEASURED] = measuring ? 1 : 0;
  packet.writeDoubleLE(performance.now(), SENT_AT);
  stream.socket.send(packet);
  stream.seq++;
  stream.timestamp += PAYLOAD_BYTES;
  if (measuring) sent++;
}

await reader.next("go");
const start = performance.now();
let slot = 0;
let slotDueAt = start;
let stopped = false;

function tick(): void {
  if (stopped) return;
  const now = performance.now();
  while (slotDueAt <= now) {
    const lag = now - slotDueAt;
    if (measuring && lag > maxSendLagMs) maxSendLagMs = lag;
    for (const stream of wheel[slot]!) sendPacket(stream);
    slot = (slot + 1) % SLOTS;
    slotDueAt += PTIME_MS / SLOTS;
  }
  setTimeout(tick, Math.max(0, slotDueAt - performance.now()));
}
tick();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(run.warmupMs);
measuring = true;
send({ type: "measuring" });
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
await sleep(run.measureMs);
measuring = false;
const cpu = process.cpuUsage(cpuBefore);
const generatorCpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100;
send({ type: "measured" });
// Keep the unmeasured load flowing while the last measured packets drain through the relay.
await sleep(run.drainMs);
stopped = true;

function percentile(p: number): number {
  const rank = Math.ceil(received * p);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i]!;
    if (seen >= rank && rank > 0) return (i + 1) * BUCKET_MS;
  }
  return Number.NaN;
}

const result: LoadResult = {
  sent,
  received,
  misrouted,
  lossPercent: sent > 0 ? (Math.max(0, sent - received) / sent) * 100 : 0,
  p50Ms: percentile(0.5),
  p99Ms: percentile(0.99),
  p999Ms: percentile(0.999),
  maxMs,
  maxSendLagMs,
  generatorCpuPercent,
};
send({ type: "result", result });
for (const stream of streams) stream.socket.close();
process.stdin.on("end", () => process.exit(0));
