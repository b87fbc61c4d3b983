import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { spawnRecorder, type RecorderProcess } from "../../recorder/test-support/recorder-process";
import { stackApi } from "./registered-agent";
import { startTestStack, type StackPorts, type TestStack } from "./start-test-stack";

export type Closer = () => Promise<void> | void;

/**
 * One whole stack for a test file: started before its tests, stopped after them. What a test
 * opens (phones, sockets) goes on `closers`, closed newest first before the stack stops.
 */
export function useTestStack(ports: StackPorts, extraEnv: Record<string, string> = {}) {
  let stack: TestStack | undefined;
  let api: ReturnType<typeof stackApi> | undefined;
  const closers: Closer[] = [];
  beforeAll(async () => {
    stack = await startTestStack(ports, extraEnv);
    api = stackApi(ports.http, fs.readFileSync(path.join(stack.dir, "forkline.api-token"), "utf8").trim());
  }, 120_000);
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await stack?.stop();
  });
  return {
    closers,
    get stack(): TestStack {
      if (stack === undefined) throw new Error("the stack is not started yet");
      return stack;
    },
    /** tRPC over HTTP with the stack's API token (as the CLI calls it). */
    trpc: <T>(procedure: string, input?: unknown): Promise<T> => {
      if (api === undefined) throw new Error("the stack is not started yet");
      return api<T>(procedure, input);
    },
  };
}

/** A second lab recorder process beside the stack's own, with its own folder, for the file's tests. */
export function useSecondRecorder(ports: { sip: number; http: number; rtpMin: number; rtpMax: number }) {
  let recorder: RecorderProcess | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-second-recorder-"));
    recorder = await spawnRecorder({
      RECORDER_SIP_PORT: String(ports.sip),
      RECORDER_HTTP_PORT: String(ports.http),
      RECORDER_RTP_PORT_MIN: String(ports.rtpMin),
      RECORDER_RTP_PORT_MAX: String(ports.rtpMax),
      RECORDINGS_DIR: dir,
    });
  }, 60_000);
  afterAll(() => {
    recorder?.child.kill("SIGKILL");
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir(): string {
      if (dir === undefined) throw new Error("the second recorder is not started yet");
      return dir;
    },
    get process(): RecorderProcess {
      if (recorder === undefined) throw new Error("the second recorder is not started yet");
      return recorder;
    },
  };
}

/** The PID of the process listening on a UDP port (a child of the stack's launcher), to kill it. */
export function pidOnUdpPort(port: number): number {
  const out = execFileSync("ss", ["-Hulpn", `sport = :${port}`], { encoding: "utf8" });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (pid === undefined) throw new Error(`nothing listens on UDP port ${port}`);
  return Number(pid);
}
