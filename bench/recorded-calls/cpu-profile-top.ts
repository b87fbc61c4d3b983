/**
 * The top functions of a V8 CPU profile (`node --cpu-prof`, as the recorded-calls bench writes
 * with `--cpu-prof <dir>`): self time per function (summed over its call sites) and its share of
 * the profile's samples, idle and GC listed as V8 names them.
 *   npx tsx bench/recorded-calls/cpu-profile-top.ts <file.cpuprofile> [--top 25]
 */
import fs from "node:fs";
import path from "node:path";
import { benchArg } from "./bench-machine";

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const file = process.argv[2];
if (file === undefined) throw new Error("usage: cpu-profile-top.ts <file.cpuprofile> [--top 25]");
const top = Number(benchArg("--top") ?? "25");
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMs = new Map<string, number>();
let totalMs = 0;
// Each sample's time is the delta to the next sample (V8's own attribution).
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  const frame = byId.get(id)!.callFrame;
  const where = frame.url === "" ? "" : ` ${path.basename(frame.url)}:${frame.lineNumber + 1}`;
  const key = `${frame.functionName || "(anonymous)"}${where}`;
  selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
  totalMs += ms;
});
const idle = selfMs.get("(idle)") ?? 0;
console.log(
  `${path.basename(file)}: ${(totalMs / 1000).toFixed(1)} s sampled, ${((100 * (totalMs - idle)) / totalMs).toFixed(1)} % busy`,
);
console.table(
  [...selfMs]
    .filter(([key]) => key !== "(idle)")
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({
      function: fn,
      "self ms": Number(ms.toFixed(0)),
      "% of busy": Number(((100 * ms) / (totalMs - idle)).toFixed(1)),
    })),
);
