import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startThrowawayPostgres } from "./throwaway-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** the "postgresql" project's cluster; unset in the "sqlite" project */
    postgresql: { adminUrl: string; templateUrl: string; template: string; clusterUrl: string } | undefined;
  }
}

const TEMPLATE = "forkline_template";

/**
 * Global setup of the "postgresql" vitest project: one throw-away PostgreSQL 15 for the whole
 * run, and a template database migrated once by scripts/migrate.mjs (as `npm start` would), which
 * createTestDb copies per test file. Without the binaries this fails the run: never a silent skip.
 */
export default async function setup(project: TestProject) {
  const cluster = await startThrowawayPostgres();
  // Also when vitest is ended by a signal: a stopped run must not leave a postgres running.
  const onExit = () => cluster.stop();
  process.once("exit", onExit);
  try {
    const admin = new pg.Client({ connectionString: cluster.urlOf("postgres") });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${TEMPLATE}`);
    await admin.end();
    const migrate = spawnSync(
      process.execPath,
      [path.resolve(import.meta.dirname, "../../scripts/migrate.mjs")],
      {
        env: { ...process.env, DATABASE_URL: cluster.urlOf(TEMPLATE), FORKLINE_QUIET_MIGRATE: "1" },
        encoding: "utf8",
      },
    );
    if (migrate.status !== 0) throw new Error(`migrating the template database failed:\n${migrate.stderr}`);
  } catch (error) {
    cluster.stop();
    throw error;
  }
  project.provide("postgresql", {
    adminUrl: cluster.urlOf("postgres"),
    templateUrl: cluster.urlOf(TEMPLATE),
    template: TEMPLATE,
    clusterUrl: cluster.urlOf(""),
  });
  return () => {
    process.off("exit", onExit);
    cluster.stop();
  };
}
