import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Actor } from "../actor";
import type { Db } from "../db";
import { createDemoDb } from "../../test-support/demo-db";
import { callerFor } from "../../test-support/test-caller";
import { formatCsvCell as csvField } from "../config/bulk/csv-codec";

let db: Db;
let cleanup: () => Promise<void>;
let admin: ReturnType<typeof callerFor>["caller"];
beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb("admin-password-1"));
  admin = callerFor(db, await actorOf("admin")).caller;
});
afterEach(() => cleanup());

async function actorOf(username: string, kind: Actor["kind"] = "user"): Promise<Actor> {
  const user = await db.user.findUniqueOrThrow({ where: { username } });
  return { kind, userId: user.id, username, role: "admin" };
}

describe("audit log: names, changed fields, filters, CSV", () => {
  it("names who (username and the name of their agent login) and the object; only changed fields", async () => {
    await db.agentLogin.update({ where: { loginCode: "5001" }, data: { name: "Ada Admin" } });
    await db.user.update({ where: { username: "agent" }, data: { agentLoginCode: null } });
    await db.user.update({ where: { username: "admin" }, data: { agentLoginCode: "5001" } });
    await admin.dn.set({
      number: "1002",
      type: "extension",
      displayName: "Front desk",
      password: "new-secret-1",
    });
    const [event] = await admin.audit.list({ limit: 1 });
    expect(event).toMatchObject({
      actorUsername: "admin",
      actorName: "Ada Admin",
      viaApiToken: false,
      action: "dn.update",
      entity: "Dn",
      entityName: "1002",
    });
    // Only the fields that changed; the SIP password only as "changed".
    expect(event!.changes).toEqual([
      { field: "displayName", before: expect.any(String) as string, after: "Front desk" },
      { field: "password", before: null, after: "changed" },
    ]);
    // A later change carries the name the person has then; the earlier event keeps the old one.
    await db.agentLogin.update({ where: { loginCode: "5001" }, data: { name: "Ada Lovelace" } });
    await admin.dn.setRecord({ number: "1002", record: true });
    const [later, earlier] = await admin.audit.list({ limit: 2 });
    expect([later!.actorName, earlier!.actorName]).toEqual(["Ada Lovelace", "Ada Admin"]);
  });

  it("a deleted user keeps their name; a new password is 'changed', never a hash", async () => {
    await admin.user.create({ username: "temp.worker", password: "first-pass-1", role: "agent" });
    await admin.user.update({ username: "temp.worker", password: "second-pass-2", role: "supervisor" });
    await admin.user.delete({ username: "temp.worker" });
    const events = await admin.audit.list({ limit: 10, entity: "User", entityId: "temp.worker" });
    expect(events.map((e) => [e.action, e.entityName])).toEqual([
      ["user.delete", "temp.worker"],
      ["user.update", "temp.worker"],
      ["user.create", "temp.worker"],
    ]);
    expect(events[1]!.changes).toEqual([
      { field: "role", before: "agent", after: "supervisor" },
      { field: "password", before: null, after: "changed" },
    ]);
    const stored = await db.auditEvent.findMany({ where: { entity: "User" } });
    expect(JSON.stringify(stored)).not.toMatch(/\$2[aby]\$/);
  });

  it("filters by person, action, object type and object, date range; pages with the total", async () => {
    const api = callerFor(db, await actorOf("supervisor", "token")).caller;
    await db.user.update({ where: { username: "supervisor" }, data: { role: "admin" } });
    for (const number of ["1001", "1002", "1003"]) await admin.dn.setRecord({ number, record: true });
    await api.dn.setRecord({ number: "1001", record: false });
    await admin.agentLogin.set({ loginCode: "5002", name: "Bo" });

    const bySupervisor = await admin.audit.page({ actor: "supervisor", limit: 10, page: 0 });
    expect(bySupervisor.total).toBe(1);
    expect(bySupervisor.events[0]).toMatchObject({ viaApiToken: true, actor: "supervisor (API token)" });

    const records = await admin.audit.page({ action: "dn.record", limit: 2, page: 0 });
    expect(records.total).toBe(4);
    expect(records.events.map((e) => e.entityName)).toEqual(["1001", "1003"]);
    const second = await admin.audit.page({ action: "dn.record", limit: 2, page: 1 });
    expect(second.events.map((e) => e.entityName)).toEqual(["1002", "1001"]);

    const oneDn = await admin.audit.page({
      entity: "Dn",
      entityId: "1001",
      action: "dn.record",
      limit: 10,
      page: 0,
    });
    expect(oneDn.events.map((e) => e.changes)).toEqual([
      [{ field: "record", before: "true", after: "false" }],
      [{ field: "record", before: "false", after: "true" }],
    ]);
    expect((await admin.audit.page({ entity: "AgentLogin", limit: 10, page: 0 })).total).toBe(3);

    // Date range: move one event back in time and ask for that day only.
    const old = await db.auditEvent.findFirstOrThrow({ where: { action: "agentLogin.update" } });
    await db.auditEvent.update({ where: { id: old.id }, data: { at: new Date("2026-03-01T12:00:00Z") } });
    const day = await admin.audit.page({
      from: new Date("2026-03-01T00:00:00Z"),
      to: new Date("2026-03-01T23:59:59.999Z"),
      limit: 10,
      page: 0,
    });
    expect(day.events.map((e) => e.id)).toEqual([old.id]);
    const facets = await admin.audit.facets();
    expect(facets.actions).toEqual(expect.arrayContaining(["agentLogin.update", "dn.record"]));
    expect(facets.people.map((p) => p.username)).toEqual(expect.arrayContaining(["admin", "supervisor"]));
  });

  it("exports the filtered log as CSV with proper quoting", async () => {
    await admin.dn.set({ number: "1003", type: "extension", displayName: 'Desk "B", 2nd\nfloor' });
    await admin.dn.set({ number: "1001", type: "extension", displayName: "=HYPERLINK(1)" });
    await admin.dn.setRecord({ number: "1002", record: true });
    const { csv, rows, truncated, filename } = await admin.audit.csv({ action: "dn.update" });
    expect([rows, truncated]).toEqual([2, false]);
    expect(filename).toMatch(/^forkline-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("time,username,name,via,action,object type,object,object id,changes");
    expect(lines[1]).toMatch(
      /^\d{4}-.+Z,admin,,web,dn.update,Dn,1001,1001,'?displayName: .* → =HYPERLINK\(1\)$/,
    );
    expect(csv).toContain(`,dn.update,Dn,1003,1003,"displayName: `);
    expect(csv).toContain(`→ Desk ""B"", 2nd\nfloor"\r\n`);
    expect(csv).not.toContain("dn.record");
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("-5,6")).toBe(`"'-5,6"`);
    expect(csvField("plain")).toBe("plain");
  });

  it("rows written before the names existed get them from the migration and show sensibly", async () => {
    const user = await db.user.findUniqueOrThrow({ where: { username: "agent" } });
    await db.auditEvent.createMany({
      data: [
        {
          actor: "admin (API token)",
          action: "user.update",
          entity: "User",
          entityId: user.id,
          before: JSON.stringify({ role: "agent" }),
          after: JSON.stringify({ role: "agent", passwordChanged: true }),
        },
        {
          actor: "admin",
          action: "user.delete",
          entity: "User",
          entityId: "gone-id",
          before: JSON.stringify({ username: "ghost", role: "agent" }),
        },
        { actor: "admin", action: "dn.record", entity: "Dn", entityId: "7000", after: "not json" },
      ],
    });
    // As the application shows them before the migration's back-fill ran: names from what was kept.
    const raw = await admin.audit.list({ limit: 3 });
    expect(raw.map((e) => [e.actorUsername, e.entityName])).toEqual(
      expect.arrayContaining([
        ["admin", user.id],
        ["admin", "gone-id"],
        ["admin", "7000"],
      ]),
    );
    expect(raw.find((e) => e.entityId === "7000")!.changes).toEqual([
      { field: "value", before: null, after: "not json" },
    ]);
    await runMigrationBackfill();
    const events = await admin.audit.list({ limit: 3 });
    const byId = new Map(events.map((e) => [e.entityId, e]));
    expect(byId.get(user.id)).toMatchObject({
      actorUsername: "admin",
      viaApiToken: true,
      entityName: "agent",
    });
    expect(byId.get(user.id)!.changes).toEqual([{ field: "password", before: null, after: "changed" }]);
    expect(byId.get("gone-id")).toMatchObject({ entityName: "ghost" });
    expect((await admin.audit.page({ actor: "admin", entity: "User", limit: 5, page: 0 })).total).toBe(2);
  });
});

/** The UPDATE statements of this branch's migration, for the database the test runs on. */
async function runMigrationBackfill() {
  const folder = inject("postgresql") ? "migrations-postgresql" : "migrations";
  const sql = fs.readFileSync(
    path.resolve(import.meta.dirname, `../../../prisma/${folder}/20261206100000_admin_audit/migration.sql`),
    "utf8",
  );
  const updates = sql
    .split(";")
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.startsWith("UPDATE"));
  expect(updates.length).toBe(4);
  for (const statement of updates) await db.$executeRawUnsafe(statement);
}
