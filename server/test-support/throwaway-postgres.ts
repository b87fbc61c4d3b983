import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** Debian's postgresql package (15 on bookworm); FORKLINE_PG_BIN points elsewhere if needed. */
export const POSTGRES_BIN = process.env.FORKLINE_PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** Ports of the test range (55432–55438): one that nothing listens on. */
async function freePort(): Promise<number> {
  for (let port = 55432; port <= 55438; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("throw-away PostgreSQL: every test port 55432–55438 is taken");
}

export type ThrowawayPostgres = {
  /** postgresql://postgres@127.0.0.1:<port>/ + a database name */
  urlOf: (database: string) => string;
  stop: () => void;
};

/**
 * A PostgreSQL cluster of its own in a temporary folder (initdb, trust auth on loopback only),
 * started with pg_ctl on a free test port. `stop` stops it and removes the folder. initdb refuses
 * to run as root, so as root the cluster belongs to the `postgres` user the package creates.
 */
export async function startThrowawayPostgres(
  /**
   * A cluster on a test host (a network namespace) instead of loopback: it listens on `host`
   * (port 5432: the namespace is its own), runs under `wrap` (e.g. `ip netns exec <ns>`) and lets
   * `allowNet` (a CIDR block) in without a password.
   */
  onHost?: { host: string; wrap: readonly string[]; allowNet: string },
): Promise<ThrowawayPostgres> {
  const initdb = path.join(POSTGRES_BIN, "initdb");
  if (!fs.existsSync(initdb)) {
    throw new Error(
      `PostgreSQL tests need ${initdb}: install Debian's postgresql package ` +
        "(apt-get install postgresql; scripts/ensure-system-deps.sh does it for npm test) " +
        "or set FORKLINE_PG_BIN to the folder of initdb and pg_ctl",
    );
  }
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()) : null;
  const run = (command: string, args: string[]) => {
    const [direct, directArgs] = asRoot
      ? ["runuser", ["-u", "postgres", "--", command, ...args]]
      : [command, args];
    const [file, argv] =
      onHost === undefined
        ? [direct, directArgs]
        : [onHost.wrap[0]!, [...onHost.wrap.slice(1), direct, ...directArgs]];
    const result = spawnSync(file, argv, { encoding: "utf8" });
    if (result.status !== 0) {
      throw new Error(
        `${path.basename(command)} failed (${result.status ?? result.signal}): ${result.stderr}`,
      );
    }
  };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-pg-"));
  const data = path.join(dir, "data");
  if (owner !== null) fs.chownSync(dir, owner, owner);
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      // immediate: nothing in a throw-away cluster needs a clean shutdown
      spawnSync(asRoot ? "runuser" : path.join(POSTGRES_BIN, "pg_ctl"), [
        ...(asRoot ? ["-u", "postgres", "--", path.join(POSTGRES_BIN, "pg_ctl")] : []),
        "-D",
        data,
        "-m",
        "immediate",
        "-w",
        "stop",
      ]);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
    if (onHost !== undefined)
      fs.appendFileSync(path.join(data, "pg_hba.conf"), `host all all ${onHost.allowNet} trust\n`);
    const port = onHost === undefined ? await freePort() : 5432;
    const listen = onHost?.host ?? "127.0.0.1";
    run(path.join(POSTGRES_BIN, "pg_ctl"), [
      "-D",
      data,
      "-l",
      path.join(dir, "postgres.log"),
      "-w",
      "-o",
      // fsync off: a test cluster is thrown away, and syncing costs time on a 2-core machine
      `-p ${port} -k ${dir} -c listen_addresses=${listen} -c fsync=off -c full_page_writes=off`,
      "start",
    ]);
    started = true;
    return { urlOf: (database) => `postgresql://postgres@${listen}:${port}/${database}`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
