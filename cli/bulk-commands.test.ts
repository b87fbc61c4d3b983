import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "../server/test-support/start-test-server";
import { createDb } from "../server/services/db";

const root = path.resolve(import.meta.dirname, "..");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    httpPort: 36500,
    adminPassword: "bulk-cli-admin",
    extraEnv: { SIP_PORT: "36502" },
  });
}, 90_000);
afterAll(() => server?.stop());

/** Runs the real `forkline` bin as a user would, with the server's environment. */
function forkline(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [path.join(root, "bin/forkline.js"), ...args], {
    env: server.env,
    encoding: "utf8",
    timeout: 30_000,
    input,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The server's own database (SQLite or PostgreSQL, as the project runs it). */
async function query<T>(run: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb(String(server.env.DATABASE_URL));
  try {
    return await run(db);
  } finally {
    await db.$disconnect();
  }
}

const file = (name: string, text: string) => {
  const p = path.join(server.dir, name);
  fs.writeFileSync(p, text);
  return p;
};

describe("forkline dn|agent|user export and import against a running server", () => {
  it("dn export writes CSV to stdout: a header, the demo DNs, no SIP password", () => {
    const r = forkline(["dn", "export"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\r\n");
    expect(lines[0]).toMatch(/^number,type,displayName,record,sipPassword,peer,/);
    expect(lines[1]).toMatch(/^1001,extension,Alice Agent,false,,/);
    expect(lines).toContain("7000,routing_point,Sales queue,,,,,,,1001,none,,,,,,");
  });

  it("dn import --dry-run prints a table per line, writes nothing, and exits 1 when a line is refused", async () => {
    const exported = forkline(["dn", "export"]).stdout;
    const edited = exported
      .replace("1002,extension,Bob Agent,false", "1002,extension,Bob Renamed,true")
      .concat("1004,extension,Dora,false,secret-1004,,,,,,,,,,,,\r\n");
    const dns = file("dns.csv", edited);
    const dry = forkline(["dn", "import", dns, "--dry-run"]);
    expect(dry.stderr).toBe("");
    expect(dry.code).toBe(0);
    const table = dry.stdout.split("\n");
    expect(table[0]).toMatch(/^line\s+key\s+outcome\s+details$/);
    expect(table).toContainEqual(expect.stringMatching(/^3\s+1002\s+change\s+displayName, record$/));
    expect(table).toContainEqual(expect.stringMatching(/^7\s+1004\s+create$/));
    expect(table).toContainEqual(expect.stringMatching(/^2\s+1001\s+unchanged$/));
    expect(dry.stdout).toContain("dry run: 1 to create, 1 to change, 4 unchanged; nothing written");
    expect(await query((db) => db.dn.findUnique({ where: { number: "1004" } }))).toBeNull();

    const bad = file("bad.csv", `${edited}1005,extension,No password,false,,,,,,,,,,,,,\r\n`);
    const refused = forkline(["dn", "import", bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^8\s+1005\s+refused\s+A new extension needs a SIP password\.$/m);
    expect(refused.stdout).toContain("1 refused: nothing written");
    expect(await query((db) => db.dn.findUnique({ where: { number: "1004" } }))).toBeNull();

    const applied = forkline(["dn", "import", dns]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("applied: 1 created, 1 changed, 4 unchanged");
    expect(
      await query((db) =>
        db.dn.findMany({ where: { number: { in: ["1002", "1004"] } }, orderBy: { number: "asc" } }),
      ),
    ).toMatchObject([
      { number: "1002", displayName: "Bob Renamed", record: true },
      { number: "1004", displayName: "Dora" },
    ]);
    const audit = await query((db) =>
      db.auditEvent.findMany({ where: { action: "bulk.import" }, select: { actor: true, entityId: true } }),
    );
    expect(audit).toEqual([{ actor: "admin (API token)", entityId: "dn" }]);
  });

  it("agent-login and user import read standard input; new users' initial passwords are printed once", async () => {
    const agents = forkline(["agent-login", "import", "-"], "loginCode,name,record\n5003,Carol,true\n");
    expect(agents.code).toBe(0);
    expect(agents.stdout).toContain("applied: 1 created, 0 changed, 0 unchanged");
    const users = forkline(
      ["--json", "user", "import", "-"],
      "username,role,extension,agentLoginCode\ncarol,agent,1003,5003\n",
    );
    expect(users.stderr).toBe("");
    expect(users.code).toBe(0);
    const report = JSON.parse(users.stdout) as { applied: boolean; initialPasswords: { username: string }[] };
    expect(report.applied).toBe(true);
    expect(report.initialPasswords.map((p) => p.username)).toEqual(["carol"]);
    const exported = forkline(["user", "export"]).stdout;
    expect(exported).toContain("carol,agent,false,1003,5003\r\n");
    expect(exported).not.toMatch(/\$2[aby]\$/);
    // The user can sign in with the password the import printed.
    const { password } = (report.initialPasswords as { username: string; password: string }[])[0]!;
    const login = await fetch(`${server.url}/api/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { username: "carol", password } }),
    });
    expect(login.status).toBe(200);
  });

  it("a file the server cannot read is refused whole with its line; a missing file is a usage error", () => {
    const unknown = forkline([
      "dn",
      "import",
      file("unknown.csv", "number,colour\r\n1001,red\r\n"),
      "--dry-run",
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Line 1: unknown column "colour"; the columns are number, type/);
    const quoting = forkline(["dn", "import", file("quote.csv", 'number,displayName\r\n1001,a"b\r\n')]);
    expect(quoting.code).toBe(1);
    expect(quoting.stderr).toMatch(/line 2: a quote inside an unquoted field/);
    const missing = forkline(["dn", "import", path.join(server.dir, "nope.csv")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv/);
    const latin1 = path.join(server.dir, "latin1.csv");
    fs.writeFileSync(latin1, Buffer.from([0x6e, 0x75, 0x6d, 0x62, 0x65, 0x72, 0x0a, 0xe9, 0x0a]));
    expect(forkline(["dn", "import", latin1]).stderr).toMatch(/is not UTF-8 text/);
  });
});
