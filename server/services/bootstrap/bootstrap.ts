import fs from "node:fs";
import path from "node:path";
import type { Role } from "../../../common/roles";
import { SYSTEM_ACTOR } from "../actor";
import { createApiToken } from "../auth/auth-service";
import { hashPassword } from "../auth/password-hash";
import { randomPassword } from "../auth/secret-token";
import { setAgentLogin } from "../config/agent-login-service";
import { setDn } from "../config/dn-service";
import { setRecorder } from "../config/recorder-service";
import type { Db } from "../db";

export type BootstrapOptions = {
  /** where the local files go: the API token and first-start credentials (see localDataDir) */
  dataDir: string;
  adminPassword?: string;
  seedDemo: boolean;
  sipRealm: string;
  recorderUri: string;
};

export type BootstrapResult = {
  firstStart: boolean;
  credentials: { username: string; password: string; role: Role }[];
  apiTokenFile: string;
  credentialsFile: string | null;
};

/** The file in the data folder that lets the CLI on this machine work with no set-up. */
export function apiTokenFileFor(dataDir: string): string {
  return path.join(dataDir, "forkline.api-token");
}

/**
 * First start: users with printed passwords, an API token file for the CLI and the demo
 * configuration. Later starts only recreate a missing token file; they never touch data.
 */
export async function bootstrap(db: Db, opts: BootstrapOptions): Promise<BootstrapResult> {
  const apiTokenFile = apiTokenFileFor(opts.dataDir);
  const firstStart = (await db.user.count()) === 0;
  const credentials: BootstrapResult["credentials"] = [];
  let credentialsFile: string | null = null;

  if (firstStart) {
    const users: { username: string; role: Role; password: string }[] = [
      { username: "admin", role: "admin", password: opts.adminPassword ?? randomPassword() },
      { username: "supervisor", role: "supervisor", password: randomPassword() },
      { username: "agent", role: "agent", password: randomPassword() },
    ];
    for (const u of users) {
      await db.user.create({
        data: { username: u.username, role: u.role, passwordHash: await hashPassword(u.password) },
      });
      credentials.push(u);
    }
    credentialsFile = path.join(opts.dataDir, "first-start-credentials.txt");
    writePrivateFile(
      credentialsFile,
      credentials.map((c) => `${c.role}\t${c.username}\t${c.password}`).join("\n") + "\n",
    );
    if (opts.seedDemo) await seedDemo(db, opts);
  }

  if (!fs.existsSync(apiTokenFile)) {
    const { token } = await createApiToken(db, SYSTEM_ACTOR, { name: "local CLI", username: "admin" }).catch(
      async () => {
        // The admin user was renamed or removed: use any admin.
        const admin = await db.user.findFirst({ where: { role: "admin" } });
        if (!admin) throw new Error("No admin user exists to own the local CLI token.");
        return createApiToken(db, SYSTEM_ACTOR, { name: "local CLI", username: admin.username });
      },
    );
    writePrivateFile(apiTokenFile, `${token}\n`);
  }
  return { firstStart, credentials, apiTokenFile, credentialsFile };
}

/** Demo extension passwords are predictable on purpose: they are printed in the README. */
export const DEMO_EXTENSION_PASSWORD = (number: string) => `demo-${number}`;

async function seedDemo(db: Db, opts: BootstrapOptions) {
  const actor = SYSTEM_ACTOR;
  const names: Record<string, string> = {
    "1001": "Alice Agent",
    "1002": "Bob Agent",
    "1003": "Carol Supervisor",
  };
  for (const number of ["1001", "1002", "1003"]) {
    await setDn(
      db,
      actor,
      { number, type: "extension", displayName: names[number], password: DEMO_EXTENSION_PASSWORD(number) },
      opts.sipRealm,
    );
  }
  await setDn(
    db,
    actor,
    {
      number: "pstn",
      type: "trunk",
      displayName: "Lab PSTN trunk",
      peer: { host: "127.0.0.1", port: 5062 },
      inboundNumbers: ["1001", "1002", "7000"],
      outboundPrefix: "9",
    },
    opts.sipRealm,
  );
  await setDn(
    db,
    actor,
    {
      number: "7000",
      type: "routing_point",
      displayName: "Sales queue",
      routeTarget: "1001",
      routeRecord: "none",
      routeParams: {},
    },
    opts.sipRealm,
  );
  await setAgentLogin(db, actor, { loginCode: "5001", name: "Alice", record: false });
  await setAgentLogin(db, actor, { loginCode: "5002", name: "Bob", record: false });
  await setRecorder(db, actor, { name: "lab", uri: opts.recorderUri, position: 1, enabled: true });
  // The demo agent's softphone is extension 1001 and they log in as agent 5001.
  await db.user.updateMany({
    where: { username: "agent", role: "agent" },
    data: { extension: "1001", agentLoginCode: "5001" },
  });
}

function writePrivateFile(file: string, content: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
