import dgram from "node:dgram";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnsweringPhone } from "../test-support/answering-phone";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";
import { sipp, sippArgs } from "../test-support/sipp";

const ports = {
  http: 3202,
  sip: 5831,
  mediaSip: 5841,
  mediaHttp: 5842,
  recorderSip: 5851,
  recorderHttp: 5852,
  rtpMin: 44400,
  rtpMax: 44599,
};
const SERVER = `127.0.0.1:${ports.sip}`;
const SCENARIOS = path.join(import.meta.dirname, "__scenarios__");
let stack: TestStack;
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  stack = await startTestStack(ports);
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await stack?.stop();
});

describe("calls whose other party goes silent", () => {
  it("a 200 never ACKed: BYE to both parties after 64·T1; a callee that never answers: 408 to the caller, not 500", async () => {
    // 1001 answers (and will see the BYE); 1002 is registered at a port that swallows everything.
    const agent = await AnsweringPhone.start(44600);
    closers.push(() => agent.close());
    const silent = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    closers.push(() => void silent.close());
    const registrar = await SipTestPhone.start();
    closers.push(() => registrar.close());
    for (const [user, contact] of [
      ["1001", agent.contact],
      ["1002", `<sip:1002@127.0.0.1:${silent.address().port}>`],
    ] as const) {
      expect(
        (await registrar.register({ server: SERVER, user, password: `demo-${user}`, contact })).status,
      ).toBe(200);
    }

    const started = Date.now();
    const neverAcks = sipp(
      sippArgs({
        remote: SERVER,
        scenario: path.join(SCENARIOS, "trunk-uac-never-acks.xml"),
        service: "1001",
        port: 5062,
        mediaPort: 44700,
        timeout: "60s",
        errorFile: path.join(stack.dir, "sipp-errors.log"),
      }),
      70_000,
    );
    // The other caller is on the trunk's host but not its port: not the trunk's (403) until the
    // trunk is set to match by address alone; then it counts as the trunk too.
    const caller = await SipTestPhone.start();
    closers.push(() => caller.close());
    expect((await caller.invite(SERVER, "1002")).status).toBe(403);
    const db = new Database(path.join(stack.dir, "forkline.db"));
    db.prepare("update Dn set peerPortMatch = 0 where number = 'pstn'").run();
    db.close();
    const unanswered = caller.invite(SERVER, "1002");

    const [sippRun, response] = await Promise.all([neverAcks, unanswered]);
    expect(response.status).toBe(408);
    expect(sippRun.code, sippRun.output).toBe(0);
    // RFC 3261 §13.3.1.4: the BYE comes once the 200 was retransmitted for 64·T1 = 32 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(31_000);
    expect(agent.byes).toHaveLength(1);
    expect(agent.byes[0]!.headers.get("Reason")).toMatch(/cause=408/);
    expect(stack.output()).not.toMatch(/AckTimeoutError/);
  }, 90_000);
});
