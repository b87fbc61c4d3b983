import { ProtocolParseError } from "../protocol-parse-error";

/**
 * Engine → server, on OPTIONS answers: the UDP port of the engine's heartbeat responder (on
 * the engine's SIP address). Part of the server ↔ engine contract (engine-contract.ts).
 *
 * Why a second channel beside the OPTIONS keep-alive: OPTIONS are answered by the engine's
 * main thread, which also relays every packet, so a healthy engine whose event loop is busy
 * for a second looks exactly like a hung one, and the server had to wait 3 s of silence before
 * ending its calls. The heartbeat is answered by a worker thread of the engine process: it goes
 * silent only when the process is stopped, killed or cut off — then the server knows within
 * 1.5 s — and it reports how long ago the main thread last ran, so a hung main thread is told
 * apart from a busy one.
 */
export const HEARTBEAT_PORT_HEADER = "X-Forkline-Heartbeat";

/** Version tag that starts every datagram: a stray packet (a scanner, RTP) is never taken for one. */
const MAGIC = "FLHB/1";
/** Large enough for the longest pong; anything longer is not ours. */
export const MAX_HEARTBEAT_BYTES = 200;

/** Server → engine: a numbered ping. */
export type HeartbeatPing = { kind: "ping"; seq: number };
/**
 * Engine → server: the answer to ping `seq`, from engine instance `bootId` (X-Forkline-Boot),
 * whose main thread last ran `loopAgeMs` ago (0 when it is running now).
 */
export type HeartbeatPong = { kind: "pong"; seq: number; bootId: string; loopAgeMs: number };
export type HeartbeatMessage = HeartbeatPing | HeartbeatPong;

const UINT = /^(0|[1-9]\d{0,9})$/;
const BOOT_ID = /^[A-Za-z0-9-]{1,64}$/;

/** `FLHB/1 PING <seq>` or `FLHB/1 PONG <seq> <boot id> <loop age ms>`, ASCII, one datagram. */
export function serializeHeartbeat(message: HeartbeatMessage): Buffer {
  check(Number.isSafeInteger(message.seq) && message.seq >= 0, "seq must be a non-negative integer");
  if (message.kind === "ping") return Buffer.from(`${MAGIC} PING ${message.seq}`, "ascii");
  check(BOOT_ID.test(message.bootId), "boot id must be 1–64 letters, digits or dashes");
  check(Number.isFinite(message.loopAgeMs) && message.loopAgeMs >= 0, "loop age must be ≥ 0");
  return Buffer.from(
    `${MAGIC} PONG ${message.seq} ${message.bootId} ${Math.round(message.loopAgeMs)}`,
    "ascii",
  );
}

/** Throws ProtocolParseError for anything that is not exactly one of the two forms. */
export function parseHeartbeat(data: Buffer): HeartbeatMessage {
  check(data.length <= MAX_HEARTBEAT_BYTES, `datagram of ${data.length} bytes is too long`);
  const parts = data.toString("latin1").split(" ");
  check(parts[0] === MAGIC, "not a heartbeat (no FLHB/1 tag)");
  const seq = parts[2] ?? "";
  check(UINT.test(seq), `bad sequence number "${seq.slice(0, 20)}"`);
  if (parts[1] === "PING") {
    check(parts.length === 3, "a PING has exactly a sequence number");
    return { kind: "ping", seq: Number(seq) };
  }
  check(parts[1] === "PONG", `unknown heartbeat kind "${(parts[1] ?? "").slice(0, 20)}"`);
  check(parts.length === 5, "a PONG has a sequence number, a boot id and a loop age");
  const bootId = parts[3]!;
  const loopAge = parts[4]!;
  check(BOOT_ID.test(bootId), "bad boot id");
  check(UINT.test(loopAge), `bad loop age "${loopAge.slice(0, 20)}"`);
  return { kind: "pong", seq: Number(seq), bootId, loopAgeMs: Number(loopAge) };
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ProtocolParseError("engine-heartbeat", message);
}
