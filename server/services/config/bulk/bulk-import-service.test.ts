import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeDigestHa1 } from "../../../../protocol/sip";
import { createDemoDb } from "../../../test-support/demo-db";
import type { TestDb } from "../../../test-support/test-db";
import type { Actor } from "../../actor";
import { verifyPassword } from "../../auth/password-hash";
import { type ConfigChange, configEvents } from "../config-events";
import { exportCsv } from "./bulk-export-service";
import { importCsv } from "./bulk-import-service";

let test: TestDb;
let admin: Actor;
const REALM = "forkline";

beforeEach(async () => {
  test = await createDemoDb("bulk-admin-password");
  const row = await test.db.user.findUniqueOrThrow({ where: { username: "admin" } });
  admin = { kind: "user", userId: row.id, username: "admin", role: "admin" };
});
afterEach(() => test.cleanup());

const dryRun = (kind: "dn" | "agentLogin" | "user", csv: string) =>
  importCsv(test.db, admin, { kind, csv, apply: false }, REALM);
const apply = (kind: "dn" | "agentLogin" | "user", csv: string) =>
  importCsv(test.db, admin, { kind, csv, apply: true }, REALM);

/** Everything an import could write, to prove that a dry run or a refused apply wrote nothing. */
async function snapshot() {
  const [dns, agents, users, audit] = await Promise.all([
    test.db.dn.findMany({ orderBy: { number: "asc" } }),
    test.db.agentLogin.findMany({ orderBy: { loginCode: "asc" } }),
    test.db.user.findMany({ orderBy: { username: "asc" } }),
    test.db.auditEvent.count(),
  ]);
  return { dns, agents, users, audit };
}

function listenConfig() {
  const heard: ConfigChange[] = [];
  const stop = configEvents.onLocalChange((c) => heard.push(c));
  return { heard, stop };
}

describe("bulk export", () => {
  it("exports DNs with a header, every setting, no secret, extensions before trunks before routing points", async () => {
    const { csv, fileName, rows } = await exportCsv(test.db, "dn");
    expect(fileName).toBe("forkline-dns.csv");
    expect(rows).toBe(5);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "number,type,displayName,record,sipPassword,peer,peerPortMatch,inboundNumbers,outboundPrefix,routeTarget,routeRecord,routeParams,dtmfMasking,mediaEncryption,recordingTone,recordingToneEverySeconds,recordingToneParties",
    );
    expect(lines.slice(1, 6).map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "1001,extension",
      "1002,extension",
      "1003,extension",
      "pstn,trunk",
      "7000,routing_point",
    ]);
    // A secret never leaves: the extension's sipPassword cell is empty.
    expect(lines[1]).toBe("1001,extension,Alice Agent,false,,,,,,,,,events+inband,optional,off,15,both");
    expect(lines[4]).toBe(
      "pstn,trunk,Lab PSTN trunk,false,,127.0.0.1:5062,true,1001;1002;7000,9,,,,events+inband,optional,off,15,both",
    );
    expect(lines[5]).toBe("7000,routing_point,Sales queue,,,,,,,1001,none,,,,,,");
    expect(csv.endsWith("\r\n")).toBe(true);
  });

  it("exports users without any password or hash, and agent logins", async () => {
    const users = (await exportCsv(test.db, "user")).csv;
    expect(users).toBe(
      "username,role,disabled,extension,agentLoginCode\r\nadmin,admin,false,,\r\nagent,agent,false,1001,5001\r\nsupervisor,supervisor,false,,\r\n",
    );
    expect(users).not.toMatch(/\$2[aby]\$/);
    expect((await exportCsv(test.db, "agentLogin")).csv).toBe(
      "loginCode,name,record\r\n5001,Alice,false\r\n5002,Bob,false\r\n",
    );
  });

  it("guards a formula-like value and reads it back unchanged", async () => {
    await test.db.dn.update({ where: { number: "1002" }, data: { displayName: "=HYPERLINK(1)" } });
    const { csv } = await exportCsv(test.db, "dn");
    expect(csv).toContain("1002,extension,'=HYPERLINK(1),");
    const report = await dryRun("dn", csv);
    expect(report.counts).toEqual({ create: 0, change: 0, unchanged: 5, refused: 0 });
  });

  it("every export imports back as unchanged", async () => {
    for (const kind of ["dn", "agentLogin", "user"] as const) {
      const report = await dryRun(kind, (await exportCsv(test.db, kind)).csv);
      expect(report.counts.unchanged, kind).toBe(report.lines.length);
      expect(report.counts.unchanged, kind).toBeGreaterThan(0);
    }
  });
});

describe("bulk import: dry run", () => {
  const file = [
    "number,type,displayName,record,sipPassword",
    "1001,extension,Alice Agent,false,",
    "1002,extension,Bob Renamed,true,",
    "1004,extension,Dora,false,secret-1004",
    '1005,extension,"Eve, with a comma",,secret-1005',
  ].join("\r\n");

  it("shows create, change (which fields) and unchanged per line, and writes nothing", async () => {
    const before = await snapshot();
    const { heard, stop } = listenConfig();
    const report = await dryRun("dn", file);
    stop();
    expect(report).toMatchObject({ kind: "dn", applied: false, initialPasswords: [] });
    expect(report.counts).toEqual({ create: 2, change: 1, unchanged: 1, refused: 0 });
    expect(report.lines).toEqual([
      { line: 2, key: "1001", outcome: "unchanged", fields: [] },
      { line: 3, key: "1002", outcome: "change", fields: ["displayName", "record"] },
      { line: 4, key: "1004", outcome: "create", fields: [] },
      { line: 5, key: "1005", outcome: "create", fields: [] },
    ]);
    expect(await snapshot()).toEqual(before);
    expect(heard).toEqual([]);
  });

  it("refuses lines with every problem of each, by line number, and the rest still reports", async () => {
    const report = await dryRun(
      "dn",
      [
        "number,type,displayName,record,sipPassword,peer,recordingToneEverySeconds",
        "1006,extension,No password,false,,,",
        "bad number,phone,x,maybe,,,2",
        "1001,trunk,Alice,false,,10.0.0.1:5060,",
        "1002,extension,Bob,false,,10.0.0.1:5060,",
        "1007,extension,Short,false,abc,,",
        "1008,extension,Fine,false,secret-1008,,",
        "1008,extension,Twice,false,secret-1008,,",
        "1009,extension,Too few",
      ].join("\n"),
    );
    expect(report.lines.map((l) => [l.line, l.outcome, l.reason])).toEqual([
      [2, "refused", "A new extension needs a SIP password."],
      [
        3,
        "refused",
        "record: must be true or false (got \"maybe\"); number: DN number: 1–32 letters, digits, '.', '_', '+' or '-', starting with a letter or digit; type: type must be extension, trunk or routing-point; recordingToneEverySeconds: the tone repeats at most every 5 seconds",
      ],
      [4, "refused", "DN 1001 is an extension; delete it before giving the number another type."],
      [5, "refused", "peer does not apply to an extension."],
      [6, "refused", "sipPassword: SIP password must be at least 6 characters"],
      [7, "create", undefined],
      [8, "refused", "number 1008 is on line 7 already"],
      [9, "refused", "3 fields where the header has 7 (a missing or extra comma?)"],
    ]);
    expect(report.counts).toEqual({ create: 1, change: 0, unchanged: 0, refused: 7 });
  });

  it("refuses a whole file that is not CSV, has unknown columns, no key column or too many lines", async () => {
    await expect(dryRun("dn", 'number,type\r\n1001,"extension\r\n')).rejects.toThrow(
      'The file is not valid CSV: line 2: a quoted field is never closed (a missing ").',
    );
    await expect(dryRun("dn", "number,type,colour,secret\r\n1001,extension,red,x\r\n")).rejects.toThrow(
      'Line 1: unknown columns "colour", "secret"; the columns are number, type, displayName',
    );
    await expect(dryRun("dn", "type,displayName\r\nextension,x\r\n")).rejects.toThrow(
      "Line 1: the number column is missing.",
    );
    await expect(dryRun("dn", "number,Number\r\n1,1\r\n")).rejects.toThrow(
      "Line 1: the column number appears twice.",
    );
    await expect(dryRun("dn", "")).rejects.toThrow("The file is empty");
    const big = ["number,displayName", ...Array.from({ length: 1001 }, (_, i) => `${i},x`)].join("\n");
    await expect(dryRun("dn", big)).rejects.toThrow("The file has 1001 lines; an import takes at most 1000");
  });

  it("reads header names in any case, a BOM, and a SIP password equal to the current one as unchanged", async () => {
    const report = await dryRun("dn", "\uFEFFNUMBER,SipPassword\r\n1001,demo-1001\r\n1002,new-secret\r\n");
    expect(report.lines.map((l) => [l.key, l.outcome, l.fields])).toEqual([
      ["1001", "unchanged", []],
      ["1002", "change", ["sipPassword"]],
    ]);
  });
});

describe("bulk import: apply", () => {
  it("writes every line in one transaction, audits each object and the import, and notifies", async () => {
    const { heard, stop } = listenConfig();
    const report = await apply(
      "dn",
      [
        "number,type,displayName,record,sipPassword,peer,inboundNumbers,routeTarget,routeParams",
        "1002,extension,Bob Renamed,true,,,,,",
        "1004,extension,Dora,false,secret-1004,,,,",
        "carrier,trunk,Carrier,true,,10.0.0.9:5070,'+4930123;555,,",
        "7001,routing_point,Support,,,,,1004,queue=support&lang=de",
      ].join("\r\n"),
    );
    stop();
    expect(report.applied).toBe(true);
    expect(report.counts).toEqual({ create: 3, change: 1, unchanged: 0, refused: 0 });
    const dora = await test.db.dn.findUniqueOrThrow({ where: { number: "1004" } });
    expect(dora.sipHa1Md5).toBe(computeDigestHa1("MD5", "1004", REALM, "secret-1004"));
    const carrier = await test.db.dn.findUniqueOrThrow({ where: { number: "carrier" } });
    expect(carrier).toMatchObject({ peerHost: "10.0.0.9", peerPort: 5070, inboundNumbers: "+4930123,555" });
    const rp = await test.db.dn.findUniqueOrThrow({ where: { number: "7001" } });
    expect(JSON.parse(rp.routeParams)).toEqual({ queue: "support", lang: "de" });
    expect((await test.db.dn.findUniqueOrThrow({ where: { number: "1002" } })).displayName).toBe(
      "Bob Renamed",
    );
    const audit = await test.db.auditEvent.findMany({
      where: { actor: "admin" },
      orderBy: [{ at: "asc" }, { id: "asc" }],
    });
    expect(audit.map((a) => `${a.action} ${a.entityId}`)).toEqual([
      "dn.update 1002",
      "dn.create 1004",
      "dn.create carrier",
      "dn.create 7001",
      "bulk.import dn",
    ]);
    expect(JSON.parse(audit[4]!.after!)).toEqual({
      lines: 4,
      create: 3,
      change: 1,
      unchanged: 0,
      refused: 0,
    });
    expect(JSON.parse(audit[1]!.after!)).toMatchObject({ passwordChanged: true });
    expect(audit[1]!.after).not.toContain("secret-1004");
    expect(heard).toEqual([
      { entity: "Dn", id: "1002" },
      { entity: "Dn", id: "1004" },
      { entity: "Dn", id: "carrier" },
      { entity: "Dn", id: "7001" },
    ]);
  });

  it("writes nothing when a line is refused, even the lines before it", async () => {
    const before = await snapshot();
    const report = await apply(
      "dn",
      ["number,type,displayName,sipPassword", "1004,extension,Dora,secret-1004", "1005,extension,Eve,"].join(
        "\n",
      ),
    );
    expect(report.applied).toBe(false);
    expect(report.counts).toEqual({ create: 1, change: 0, unchanged: 0, refused: 1 });
    expect(await snapshot()).toEqual(before);
  });

  it("is atomic when the data changed between the dry run and the apply: a failure on line 4 leaves lines 2–3 unwritten", async () => {
    const file = [
      "number,type,displayName,sipPassword,routeTarget",
      "1004,extension,Dora,secret-1004,",
      "1002,extension,Bob Renamed,,",
      "7001,routing_point,Support,,1003",
    ].join("\n");
    expect((await dryRun("dn", file)).counts.refused).toBe(0);
    // Meanwhile another admin turns 1003 into something a routing point cannot target.
    await test.db.dn.delete({ where: { number: "1003" } });
    const before = await snapshot();
    const report = await apply("dn", file);
    expect(report.applied).toBe(false);
    expect(report.lines.map((l) => l.outcome)).toEqual(["create", "change", "refused"]);
    expect(report.lines[2]!.reason).toBe("Route target 1003 must be an existing extension or trunk.");
    expect(await snapshot()).toEqual(before);
  });

  it("imports agent logins: an empty name clears it, an absent column is left as it is", async () => {
    const report = await apply("agentLogin", "loginCode,name\r\n5001,\r\n5003,Carol\r\n");
    expect(report.lines.map((l) => [l.key, l.outcome, l.fields])).toEqual([
      ["5001", "change", ["name"]],
      ["5003", "create", []],
    ]);
    const rows = await test.db.agentLogin.findMany({ orderBy: { loginCode: "asc" } });
    expect(rows.map((r) => [r.loginCode, r.name, r.record])).toEqual([
      ["5001", "", false],
      ["5002", "Bob", false],
      ["5003", "Carol", false],
    ]);
  });
});

describe("bulk import of users", () => {
  it("creates users with a generated initial password shown once, binds and unbinds", async () => {
    const file = [
      "username,role,disabled,extension,agentLoginCode",
      "agent,agent,false,,",
      "dora,agent,false,1002,5002",
      "eve,supervisor,true,,",
    ].join("\r\n");
    const dry = await dryRun("user", file);
    expect(dry.lines.map((l) => [l.key, l.outcome, l.fields])).toEqual([
      ["agent", "change", ["extension", "agentLoginCode"]],
      ["dora", "create", []],
      ["eve", "create", []],
    ]);
    expect(dry.initialPasswords).toEqual([]);
    expect(await test.db.user.count()).toBe(3);

    const report = await apply("user", file);
    expect(report.applied).toBe(true);
    expect(report.initialPasswords.map((p) => p.username)).toEqual(["dora", "eve"]);
    for (const { username, password } of report.initialPasswords) {
      expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const row = await test.db.user.findUniqueOrThrow({ where: { username } });
      expect(await verifyPassword(password, row.passwordHash)).toBe(true);
    }
    const users = await test.db.user.findMany({ orderBy: { username: "asc" } });
    expect(users.map((u) => [u.username, u.role, u.disabled, u.extension, u.agentLoginCode])).toEqual([
      ["admin", "admin", false, null, null],
      ["agent", "agent", false, null, null],
      ["dora", "agent", false, "1002", "5002"],
      ["eve", "supervisor", true, null, null],
      ["supervisor", "supervisor", false, null, null],
    ]);
    const audit = await test.db.auditEvent.findMany({
      where: { actor: "admin" },
      orderBy: [{ at: "asc" }, { id: "asc" }],
    });
    expect(audit.map((a) => a.action)).toEqual(["user.update", "user.create", "user.create", "bulk.import"]);
    expect(audit.map((a) => a.after ?? "").join("")).not.toMatch(/passwordHash|\$2[aby]\$/);
  });

  it("refuses what the Users page refuses: a role missing on a new user, a taken extension, disabling yourself", async () => {
    const report = await dryRun(
      "user",
      [
        "username,role,disabled,extension",
        "frank,,false,",
        "gina,agent,false,1001",
        "admin,admin,true,",
        "Bad Name,agent,false,",
      ].join("\n"),
    );
    expect(report.lines.map((l) => [l.line, l.reason])).toEqual([
      [2, "role: role must be admin, supervisor or agent"],
      [3, "Extension 1001 already belongs to agent."],
      [4, "You cannot disable yourself."],
      [5, "username: username: 2–32 lowercase letters, digits, '_', '.', '-'"],
    ]);
  });
});
