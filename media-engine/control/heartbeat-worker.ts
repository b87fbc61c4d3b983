/**
 * The engine's heartbeat responder, in a worker thread (see protocol/msml/engine-heartbeat.ts
 * for why): it answers each ping from an allowed source with the engine's boot id and how long
 * ago the main thread last ran. It does nothing else, so it answers as long as the process runs,
 * however busy the main thread is.
 */
import dgram from "node:dgram";
import { isIPv6 } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { AllowList } from "../../common/allowed-sources";
import { parseHeartbeat, serializeHeartbeat } from "../../protocol/msml/engine-heartbeat";

export type HeartbeatWorkerData = {
  host: string;
  port: number;
  bootId: string;
  /** Sources whose pings are answered (the SIP Servers: MEDIA_ENGINE_ALLOWED_SOURCES). */
  allowed: string[];
  /** One BigInt64 slot: the main thread's clock (ms since the epoch) at its last tick. */
  mainTick: SharedArrayBuffer;
};

/** What the worker tells the main thread: where it listens, or why it cannot. */
export type HeartbeatWorkerMessage = { listening: number } | { error: string };

const data = workerData as HeartbeatWorkerData;
const mainTick = new BigInt64Array(data.mainTick);
const allowed = new AllowList(data.allowed);
const socket = dgram.createSocket(isIPv6(data.host) ? "udp6" : "udp4");
const post = (message: HeartbeatWorkerMessage) => parentPort!.postMessage(message);

socket.on("message", (datagram, from) => {
  // Strangers get nothing: a pong is larger than a ping, and would make the engine a reflector.
  if (!allowed.has(from.address)) return;
  let ping;
  try {
    ping = parseHeartbeat(datagram);
  } catch {
    return;
  }
  if (ping.kind !== "ping") return;
  const loopAgeMs = Math.max(0, Date.now() - Number(Atomics.load(mainTick, 0)));
  socket.send(
    serializeHeartbeat({ kind: "pong", seq: ping.seq, bootId: data.bootId, loopAgeMs }),
    from.port,
    from.address,
  );
});
// A send to a server that went away (ICMP) must not end the worker: the next ping is answered.
socket.on("error", (error) => post({ error: error.message }));
socket.bind(data.port, data.host, () => post({ listening: socket.address().port }));
