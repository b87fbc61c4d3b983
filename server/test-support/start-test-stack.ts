import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export type StackPorts = {
  http: number;
  sip: number;
  mediaSip: number;
  mediaHttp: number;
  recorderSip: number;
  recorderHttp: number;
  rtpMin: number;
  rtpMax: number;
};

export type TestStack = {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** The launcher's pid (its children are the server, the recorder and the engines). */
  pid: number | undefined;
  output: () => string;
  /** Stops the launcher (SIGINT, as Ctrl-C) and removes the folder unless told to keep it. */
  stop: (options?: { keepDir?: boolean }) => Promise<void>;
};

/**
 * The whole system as `npm start` runs it (server, media engine, lab recorder under the
 * launcher), on loopback ports of the test's choosing, with its own database and recordings.
 */
export async function startTestStack(
  ports: StackPorts,
  extraEnv: Record<string, string> = {},
  /** A folder of an earlier stack (its database and recordings), to start it again. */
  existingDir?: string,
): Promise<TestStack> {
  const dir = existingDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "forkline-stack-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    FORKLINE_AUTO_BUILD: "false",
    FORKLINE_QUIET_MIGRATE: "1",
    HTTP_PORT: String(ports.http),
    SIP_PORT: String(ports.sip),
    MEDIA_ENGINE_SIP_PORT: String(ports.mediaSip),
    MEDIA_ENGINE_HTTP_PORT: String(ports.mediaHttp),
    RECORDER_SIP_PORT: String(ports.recorderSip),
    RECORDER_HTTP_PORT: String(ports.recorderHttp),
    RTP_PORT_MIN: String(ports.rtpMin),
    RTP_PORT_MAX: String(ports.rtpMax),
    DATABASE_URL: `file:${path.join(dir, "forkline.db")}`,
    // The CLI token and first-start credentials: in the stack's folder whatever the database.
    DATA_DIR: dir,
    RECORDINGS_DIR: path.join(dir, "recordings"),
    ADMIN_PASSWORD: "stack-admin-password",
    ...extraEnv,
  };
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "scripts/start.ts")],
    {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // The launcher prints its summary once every child reported ready.
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the stack exited (${child.exitCode}):\n${output}`);
      return output.includes("Forkline is running.");
    },
    90_000,
    () => `the stack to be ready:\n${output}`,
    100,
  );
  return {
    dir,
    env,
    pid: child.pid,
    output: () => output,
    stop: async (options = {}) => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      if (!options.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
