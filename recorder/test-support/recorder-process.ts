import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface RecorderProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process has ended. */
  readonly exited: Promise<number | string>;
  output(): string;
}

/** Runs `recorder/main.ts` with `env` (plus PATH) and resolves once it printed its ready line. */
export async function spawnRecorder(env: Record<string, string>): Promise<RecorderProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "recorder/main.ts")], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("recorder ready")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`recorder exited (${code}) before ready:\n${output}`)));
  });
  return { child, exited, output: () => output };
}
