import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { spawnRecorder, type RecorderProcess } from "../../recorder/test-support/recorder-process";
import { stackApi } from "./registered-agent";
import { startTestStack, type StackPorts, type TestStack } from "./start-test-stack";
import { createTestPostgresDatabase } from "./test-db";

export type Closer = () => Promise<void> | void;

/**
 * One whole stack for a test file: started before its tests, stopped after them. What a test
 * opens (phones, sockets) goes on `closers`, closed newest first before the stack stops.
 */
export function useTestStack(
  ports: StackPorts,
  extraEnv: Record<string, string> = {},
  /** More environment, known only when the stack starts (a database made by an earlier hook). */
  lateEnv: () => Record<string, string> = () => ({}),
) {
  let stack: TestStack | undefined;
  let api: ReturnType<typeof stackApi> | undefined;
  const closers: Closer[] = [];
  beforeAll(async () => {
    stack = await startTestStack(ports, { ...extraEnv, ...lateEnv() });
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

/**
 * useTestStack for a test file that reads the stack's database only through `rows`: in the
 * "postgresql" vitest project the stack runs on an empty database of the throw-away cluster
 * (its launcher migrates it, as on a real installation), otherwise on its SQLite file. Write the
 * SQL for both: quote table and column names ("RecordingSession", "connId").
 */
export function useTestStackOnBothDatabases(ports: StackPorts, extraEnv: Record<string, string> = {}) {
  let postgres: { url: string; drop: () => Promise<void> } | undefined;
  let sqlite: Database.Database | undefined;
  beforeAll(async () => {
    if (inject("postgresql")) postgres = await createTestPostgresDatabase({ template: false });
  });
  const stack = useTestStack(ports, extraEnv, (): Record<string, string> =>
    postgres === undefined ? {} : { DATABASE_URL: postgres.url },
  );
  afterAll(async () => {
    sqlite?.close();
    await postgres?.drop();
  });
  return {
    closers: stack.closers,
    trpc: stack.trpc,
    get stack(): TestStack {
      return stack.stack;
    },
    /**
     * Rows of a query on the stack's database. The two drivers differ in what they return: a
     * count is a number on SQLite and a string on PostgreSQL (name it `n`: it comes back a
     * number), a time a text or a Date (read it with `new Date(…)`).
     */
    async rows<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
      const url = stack.stack.env.DATABASE_URL!;
      if (url.startsWith("file:")) {
        sqlite ??= new Database(url.replace(/^file:/, ""), { readonly: true });
        return sqlite.prepare(sql).all() as T[];
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<Record<string, unknown>>(sql);
        return rows.map((row) => ("n" in row ? { ...row, n: Number(row.n) } : row)) as T[];
      } finally {
        await client.end();
      }
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
