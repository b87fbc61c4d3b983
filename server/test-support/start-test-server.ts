import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { createTestPostgresDatabase } from "./test-db";

const root = path.resolve(import.meta.dirname, "../..");

export type TestServer = {
  url: string;
  env: NodeJS.ProcessEnv;
  dir: string;
  child: ChildProcess;
  stop: () => Promise<void>;
};

/**
 * Runs the real server process (server/main.ts) on loopback with its own database, migrated
 * by the same script `npm install` uses. Resolves when the process prints its ready line.
 */
export async function startTestServer(opts: {
  httpPort: number;
  adminPassword: string;
  extraEnv?: Record<string, string>;
}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-server-"));
  // In the "postgresql" vitest project the server gets an empty database of the throw-away
  // cluster, which scripts/migrate.mjs migrates below, as on a real installation.
  const postgres = inject("postgresql") ? await createTestPostgresDatabase({ template: false }) : null;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    HTTP_PORT: String(opts.httpPort),
    SIP_PORT: String(opts.httpPort + 2000),
    DATABASE_URL: postgres?.url ?? `file:${path.join(dir, "forkline.db")}`,
    DATA_DIR: dir,
    ADMIN_PASSWORD: opts.adminPassword,
    FORKLINE_QUIET_MIGRATE: "1",
    ...opts.extraEnv,
  };
  const migrate = spawnSync(process.execPath, [path.join(root, "scripts/migrate.mjs")], {
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);

  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "server/main.ts")], {
    env,
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 60 s:\n${output}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("server ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `${opts.extraEnv?.TLS_CERT ? "https" : "http"}://127.0.0.1:${opts.httpPort}`,
    env,
    dir,
    child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await postgres?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
