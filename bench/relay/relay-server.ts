/**
 * The relay under test, as a child of relay-bench.ts (pinned to its own core there):
 *   node --import tsx bench/relay/relay-server.ts --mode engine|reference --calls N [--ports 20000-29999]
 * Creates N calls of two bridged legs, prints their ports, joins them to the phones' ports it is
 * sent, and measures its own CPU between cpu-start and cpu-stop. Exits when stdin closes.
 */
import { MediaBridge, PortPool, RtpEndpoint } from "../../media-engine/rtp";
import { argValue, MessageReader, send, type RelayTotals } from "./bench-protocol";
import { ReferenceRelay } from "./reference-relay";

const HOST = "127.0.0.1";
const args = process.argv.slice(2);
const mode = argValue(args, "--mode") ?? "engine";
const calls = Number(argValue(args, "--calls") ?? "100");
const [minPort, maxPort] = (argValue(args, "--ports") ?? "20000-29999").split("-").map(Number) as [
  number,
  number,
];

type Relay = {
  ports: [number, number][];
  join(phones: [number, number][]): void;
  totals(): RelayTotals | undefined;
};

async function engineRelay(): Promise<Relay> {
  const pool = new PortPool(minPort, maxPort);
  const bridge = new MediaBridge();
  const legs: RtpEndpoint[] = [];
  for (let i = 0; i < calls * 2; i++) {
    legs.push(await RtpEndpoint.create({ bindHost: HOST, portPool: pool, inactivityTimeoutMs: 30_000 }));
  }
  const ports: [number, number][] = [];
  for (let i = 0; i < legs.length; i += 2) ports.push([legs[i]!.localPort, legs[i + 1]!.localPort]);
  return {
    ports,
    join(phones) {
      phones.forEach(([phoneA, phoneB], call) => {
        const a = legs[call * 2]!;
        const b = legs[call * 2 + 1]!;
        a.setRemote(HOST, phoneA);
        b.setRemote(HOST, phoneB);
        bridge.join(a, b);
      });
    },
    totals() {
      const totals = { packetsIn: 0, packetsOut: 0, packetsDropped: 0, lost: 0 };
      for (const leg of legs) {
        totals.packetsIn += leg.stats.packetsIn;
        totals.packetsOut += leg.stats.packetsOut;
        totals.packetsDropped += leg.stats.packetsDropped;
        totals.lost += leg.stats.lost;
      }
      return totals;
    },
  };
}

async function referenceRelay(): Promise<Relay> {
  const relay = await ReferenceRelay.create(calls, HOST);
  return { ports: relay.ports, join: (phones) => relay.join(phones, HOST), totals: () => undefined };
}

const relay = mode === "reference" ? await referenceRelay() : await engineRelay();
const reader = new MessageReader(process.stdin);
send({ type: "legs", ports: relay.ports });
relay.join((await reader.next("remotes")).phones);
send({ type: "joined" });

await reader.next("cpu-start");
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
await reader.next("cpu-stop", 24 * 3600_000);
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
send({ type: "cpu", percent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, relay: relay.totals() });
process.stdin.on("end", () => process.exit(0));
