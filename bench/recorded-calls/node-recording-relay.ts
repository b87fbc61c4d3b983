/**
 * The plain Node reference relay of the recorded-call benchmark, with the same command line and
 * stdin/stdout lines as c-relay.c (so one driver runs both), pinned like the media engine:
 *   node --import tsx bench/recorded-calls/node-recording-relay.ts <base-port> <calls>
 * bench/relay/reference-relay.ts plus the recording: what arrives on leg A is sent from leg B to
 * phone B and, as the recording copy of party A's voice, from leg A to sink A; the other way round
 * for leg B. Two `dgram` sends per datagram, no check, no statistics, no RTP rewriting.
 */
import dgram from "node:dgram";
import readline from "node:readline";

const HOST = "127.0.0.1";
const [base, calls] = process.argv.slice(2).map(Number) as [number, number];

function bind(port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, HOST, () => resolve(socket));
  });
}

const legs: dgram.Socket[] = [];
for (let i = 0; i < calls * 2; i++) legs.push(await bind(base + i));
process.stdout.write('{"type":"ready"}\n');

let joined = 0;
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [call, phoneA, phoneB, sinkA, sinkB] = line.trim().split(/\s+/).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const a = legs[call * 2]!;
  const b = legs[call * 2 + 1]!;
  a.on("message", (packet) => {
    b.send(packet, phoneB, HOST);
    a.send(packet, sinkA, HOST);
  });
  b.on("message", (packet) => {
    a.send(packet, phoneA, HOST);
    b.send(packet, sinkB, HOST);
  });
  if (++joined === calls) process.stdout.write('{"type":"joined"}\n');
});
lines.on("close", () => process.exit(0));
