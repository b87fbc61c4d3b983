import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Dialog } from "../../sip-core";
import { registeredAgent } from "../test-support/registered-agent";
import { trunkWithByes } from "../test-support/trunk-with-byes";
import { pidOnUdpPort, type Closer } from "../test-support/stack-fixture";
import { startTestStack, type StackPorts, type TestStack } from "../test-support/start-test-stack";
import { stackApi } from "../test-support/registered-agent";
import path from "node:path";

/**
 * Media engines on hosts of their own (issue 14 §3), as `npm run media-engine` runs them: two
 * media hosts, each a launcher with FORKLINE_SERVICES=media-engine, and a control host running
 * the server and the recorder with MEDIA_ENGINE_URI naming both. One machine's loopback stands
 * for the network; each "host" is its own launcher with its own processes.
 */
const unused = { http: 3211, sip: 6019, recorderSip: 6020, recorderHttp: 6021 };
const hostA: StackPorts = { ...unused, mediaSip: 6011, mediaHttp: 6012, rtpMin: 47500, rtpMax: 47599 };
const hostB: StackPorts = { ...unused, mediaSip: 6013, mediaHttp: 6014, rtpMin: 47600, rtpMax: 47699 };
const control: StackPorts = {
  http: 3210,
  sip: 6015,
  mediaSip: 6016,
  mediaHttp: 6022,
  recorderSip: 6017,
  recorderHttp: 6018,
  rtpMin: 47700,
  rtpMax: 47749,
};
const SERVER = `127.0.0.1:${control.sip}`;
const stacks: TestStack[] = [];
const closers: Closer[] = [];
let trpc: ReturnType<typeof stackApi>;

beforeAll(async () => {
  for (const host of [hostA, hostB])
    stacks.push(await startTestStack(host, { FORKLINE_SERVICES: "media-engine" }));
  const controlStack = await startTestStack(control, {
    FORKLINE_SERVICES: "server,recorder",
    MEDIA_ENGINE_URI: `sip:127.0.0.1:${hostA.mediaSip},sip:127.0.0.1:${hostB.mediaSip}`,
  });
  stacks.push(controlStack);
  trpc = stackApi(
    control.http,
    fs.readFileSync(path.join(controlStack.dir, "forkline.api-token"), "utf8").trim(),
  );
}, 180_000);

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const stack of stacks) await stack.stop();
});

async function legsOn(host: StackPorts): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${host.mediaHttp}/metrics`)).text();
  return Number(/^forkline_media_legs (\d+)$/m.exec(metrics)?.[1]);
}

function parentOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its ")".
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

describe("media engines on hosts of their own", () => {
  it("a media host runs only the engine; calls are spread over both hosts; losing one host ends only its calls and new calls go to the other", async () => {
    // The media hosts run nothing else: no server, no recorder, no database.
    expect(stacks[0]!.output()).toMatch(/Media engine {2}http:\/\/127\.0\.0\.1:6012\/metrics/);
    expect(stacks[0]!.output()).not.toMatch(/Web UI|Lab recorder|database/);
    expect(fs.existsSync(path.join(stacks[0]!.dir, "forkline.db"))).toBe(false);
    expect(stacks[2]!.output()).not.toMatch(/Media engine/);

    const agent = await registeredAgent(SERVER, "1001", 47760, closers);
    const { trunk, byes: trunkByes } = await trunkWithByes(closers);
    const dialogs: Dialog[] = [];
    for (let i = 0; i < 2; i++) {
      const { response, dialog } = await trunk.call(SERVER, "1001");
      expect(response.status).toBe(200);
      dialogs.push(dialog!);
    }
    // By load, a call at a time: both legs of a call on one engine (MSML joins legs of one media
    // server; before, the callee's leg went to the other engine and every call failed 500).
    expect([await legsOn(hostA), await legsOn(hostB)]).toEqual([2, 2]);

    // Host A goes down whole: its launcher (which would restart the engine) and the engine.
    const engineA = pidOnUdpPort(hostA.mediaSip);
    const launcherA = parentOf(engineA);
    const lostAt = Date.now();
    process.kill(launcherA, "SIGKILL");
    process.kill(engineA, "SIGKILL");
    await vi.waitFor(
      () => {
        expect(trunkByes).toHaveLength(1);
        expect(agent.byes).toHaveLength(1);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(Date.now() - lostAt).toBeLessThanOrEqual(2_500);
    expect(trunkByes[0]!.headers.get("Reason")).toMatch(/Media path lost/);
    // Only that call: the one on host B goes on.
    const calls = await trpc<{ connId: string }[]>("calls.list");
    expect(calls).toHaveLength(1);
    expect(await legsOn(hostB)).toBe(2);

    // New calls go to host B, the only engine left.
    const { response, dialog } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    expect(await legsOn(hostB)).toBe(4);
    for (const d of [dialog!, ...dialogs]) {
      if (trunkByes.some((bye) => bye.headers.get("Call-ID") === d.id.callId)) continue;
      expect((await trunk.ua.sendInDialog(d, d.createRequest("BYE"))).status).toBe(200);
    }
    await vi.waitFor(async () => expect(await legsOn(hostB)).toBe(0));
    expect(await trpc<unknown[]>("calls.list")).toHaveLength(0);
  }, 90_000);
});
