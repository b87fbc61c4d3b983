import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnMediaEngine, type SpawnedProcess } from "../test-support/engine-harness";
import { engineHealth, engineMetrics, escapedErrors } from "../test-support/engine-probe";
import { LegClient } from "../test-support/leg-client";
import { sippArgs } from "../../server/test-support/sipp";

/** Engine 1 (RTP inactivity 1 s) for the silent and the unacknowledged leg; engine 2 is stopped. */
const ENGINE = { sip: 5750, http: 5751, rtpMin: 43500, rtpMax: 43539 };
const STOPPED_ENGINE = { sip: 5755, http: 5756, rtpMin: 43540, rtpMax: 43579 };
const PROBE_SIP = 5754;
const SCENARIOS = path.join(import.meta.dirname, "__scenarios__");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-engine-faults-"));

let engine: SpawnedProcess;
let probe: LegClient;

/** SIPp as the SIP Server (UAC) against the engine at `enginePort`, one call; SIPp binds media at `mediaPort`…+3 (audio and video RTP/RTCP). */
function sipp(
  scenario: string,
  enginePort: number,
  localPort: number,
  mediaPort: number,
): { exited: Promise<{ code: number | null; output: string }>; output(): string } {
  const errors = path.join(dir, `${scenario}-errors.log`);
  const child = spawn(
    "sipp",
    sippArgs({
      remote: `127.0.0.1:${enginePort}`,
      scenario: path.join(SCENARIOS, `${scenario}.xml`),
      port: localPort,
      mediaPort,
      timeout: "50s",
      errorFile: errors,
    }),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once("exit", (code) => {
      const log = fs.existsSync(errors) ? fs.readFileSync(errors, "utf8") : "";
      resolve({ code, output: `${output.slice(-2000)}\n${log}` });
    }),
  );
  return { exited, output: () => output };
}

/** The engine process is the one that started, still answers OPTIONS and /healthz, and nothing escaped a handler. */
async function expectEngineSurvived(pid: number | undefined): Promise<void> {
  expect(engine.child.pid).toBe(pid);
  expect(engine.child.exitCode).toBeNull();
  expect((await probe.options()).status).toBe(200);
  expect((await engineHealth(ENGINE.http)).ok).toBe(true);
  expect(escapedErrors(await engineMetrics(ENGINE.http))).toEqual({});
}

beforeAll(async () => {
  engine = await spawnMediaEngine(ENGINE, { RTP_INACTIVITY_TIMEOUT_S: "1" });
  probe = await LegClient.start(PROBE_SIP, ENGINE.sip);
}, 60_000);

afterAll(async () => {
  await probe?.close();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("a real SIP peer (SIPp) against a media engine process: one leg's end never ends the engine", () => {
  it.concurrent(
    "no RTP: the engine BYEs with Reason 408 RTP inactivity, SIPp answers 200, the engine lives on",
    async () => {
      const pid = engine.child.pid;
      const call = await sipp("server-uac-silent-leg", ENGINE.sip, 5752, 43580).exited;
      expect(call.code, call.output).toBe(0);
      await expectEngineSurvived(pid);
    },
    30_000,
  );

  it.concurrent(
    "no ACK: after 64*T1 the engine BYEs with Reason 408, SIPp answers 200, the engine lives on",
    async () => {
      const pid = engine.child.pid;
      const call = await sipp("server-uac-no-ack", ENGINE.sip, 5753, 43584).exited;
      expect(call.code, call.output).toBe(0);
      await expectEngineSurvived(pid);
    },
    60_000,
  );
});

describe("engine shutdown with a leg up", () => {
  it("SIGTERM: SIPp receives a BYE with Reason 503 at once and the engine exits cleanly", async () => {
    const stopped = await spawnMediaEngine(STOPPED_ENGINE);
    try {
      const call = sipp("server-uac-engine-shutdown", STOPPED_ENGINE.sip, 5757, 43588);
      await expect
        .poll(() => engineHealth(STOPPED_ENGINE.http).then((h) => h.legs), { timeout: 10_000 })
        .toBe(1);
      const exit = new Promise<number | null>((resolve) => stopped.child.once("exit", resolve));
      stopped.child.kill("SIGTERM");
      const result = await call.exited;
      expect(result.code, result.output).toBe(0);
      expect(await exit).toBe(0);
    } finally {
      stopped.stop();
    }
  }, 30_000);
});
