import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppErrorCode } from "../errors/app-error";
import { LoginThrottle } from "../services/auth/login-throttle";
import { hashPassword } from "../services/auth/password-hash";
import type { Db } from "../services/db";
import { createDemoDb } from "../test-support/demo-db";
import { callerFor, testActor } from "../test-support/test-caller";

let db: Db;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb("admin-password-1"));
});
afterEach(() => cleanup());

async function trpcCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "OK";
}

describe("roles on procedures", () => {
  it("a signed-out caller can do nothing but log in", async () => {
    const { caller } = callerFor(db, null);
    expect(await trpcCode(caller.dn.list())).toBe("UNAUTHORIZED");
    expect(await trpcCode(caller.dn.setRecord({ number: "1001", record: true }))).toBe("UNAUTHORIZED");
    expect(await caller.auth.me()).toBeNull();
  });

  it("an agent cannot change a DN, and the DN stays as it was", async () => {
    const { caller } = callerFor(db, testActor("agent"));
    expect(await trpcCode(caller.dn.setRecord({ number: "1001", record: true }))).toBe("FORBIDDEN");
    expect(await trpcCode(caller.dn.set({ number: "1009", type: "extension", password: "secret99" }))).toBe(
      "FORBIDDEN",
    );
    expect(await trpcCode(caller.dn.list())).toBe("FORBIDDEN");
    expect((await db.dn.findUniqueOrThrow({ where: { number: "1001" } })).record).toBe(false);
    expect(await db.dn.findUnique({ where: { number: "1009" } })).toBeNull();
  });

  it("a supervisor sees DNs but cannot edit them", async () => {
    const { caller } = callerFor(db, testActor("supervisor"));
    const dns = await caller.dn.list();
    expect(dns.map((d) => d.number)).toEqual(
      expect.arrayContaining(["1001", "1002", "1003", "pstn", "7000"]),
    );
    expect(await trpcCode(caller.dn.setRecord({ number: "1001", record: true }))).toBe("FORBIDDEN");
    expect(await trpcCode(caller.user.list())).toBe("FORBIDDEN");
  });

  it("an admin edits a DN and the audit log keeps before and after", async () => {
    const { caller } = callerFor(db, testActor("admin", "alice"));
    const dn = await caller.dn.setRecord({ number: "1002", record: true });
    expect(dn.record).toBe(true);
    const [event] = await caller.audit.list({ limit: 1 });
    expect(event).toMatchObject({
      actor: "alice",
      action: "dn.record",
      entityId: "1002",
      before: { record: false },
      after: { record: true },
    });
  });
});

describe("bad input changes nothing", () => {
  it("refuses an invalid DN number with the schema's message", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    const before = await db.dn.count();
    await expect(
      caller.dn.set({ number: "bad number!", type: "extension", password: "secret99" }),
    ).rejects.toThrow(/DN number/);
    expect(await db.dn.count()).toBe(before);
  });

  it("refuses a field that does not fit the DN type", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    await expect(
      caller.dn.set({ number: "1001", type: "extension", peer: "127.0.0.1:5062" }),
    ).rejects.toThrow(/peer does not apply to an extension/);
  });

  it("refuses changing a DN's type", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    expect(await trpcCode(caller.dn.set({ number: "1001", type: "trunk", peer: "10.0.0.1:5060" }))).toBe(
      "CONFLICT",
    );
    expect((await db.dn.findUniqueOrThrow({ where: { number: "1001" } })).type).toBe("extension");
  });

  it("adding a number that exists is refused and changes nothing; editing a deleted one is refused", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    const before = await db.dn.findUniqueOrThrow({ where: { number: "1001" } });
    const audited = await db.auditEvent.count();
    const added = caller.dn.set({
      intent: "create",
      number: "1001",
      type: "extension",
      displayName: "Somebody else",
      password: "overwritten1",
    });
    await expect(added).rejects.toThrow("1001 already exists — edit it instead of adding it again.");
    expect(await trpcCode(added)).toBe("CONFLICT");
    expect(await db.dn.findUniqueOrThrow({ where: { number: "1001" } })).toEqual(before);
    expect(await db.auditEvent.count()).toBe(audited);
    expect(
      await trpcCode(
        caller.dn.set({ intent: "update", number: "4321", type: "extension", password: "secret99" }),
      ),
    ).toBe("NOT_FOUND");
    expect(await db.dn.findUnique({ where: { number: "4321" } })).toBeNull();
    // Without an intent (the CLI's `dn set`), the same call updates.
    await caller.dn.set({ number: "1001", type: "extension", displayName: "Desk one" });
    expect((await db.dn.findUniqueOrThrow({ where: { number: "1001" } })).displayName).toBe("Desk one");
  });

  it("adding a recorder whose name exists is refused and changes nothing; editing a deleted one is refused", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    const before = await db.recorder.findUniqueOrThrow({ where: { name: "lab" } });
    const audited = await db.auditEvent.count();
    const added = caller.recorder.set({ intent: "create", name: "lab", uri: "sip:10.9.9.9:5080" });
    await expect(added).rejects.toThrow("Recorder lab already exists — edit it instead of adding it again.");
    expect(await trpcCode(added)).toBe("CONFLICT");
    expect(await db.recorder.findUniqueOrThrow({ where: { name: "lab" } })).toEqual(before);
    expect(await db.auditEvent.count()).toBe(audited);
    expect(await trpcCode(caller.recorder.set({ intent: "update", name: "gone", uri: "sip:10.0.0.1" }))).toBe(
      "NOT_FOUND",
    );
    expect(await db.recorder.findUnique({ where: { name: "gone" } })).toBeNull();
    // An edit changes the URI and is audited as an update.
    await caller.recorder.set({ intent: "update", name: "lab", uri: "sip:127.0.0.1:5081" });
    expect((await db.recorder.findUniqueOrThrow({ where: { name: "lab" } })).uri).toBe("sip:127.0.0.1:5081");
    expect(await db.auditEvent.count({ where: { action: "recorder.update", entityId: "lab" } })).toBe(1);
  });

  it("adding an agent login whose code exists is refused and changes nothing", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    const before = await db.agentLogin.findUniqueOrThrow({ where: { loginCode: "5001" } });
    const added = caller.agentLogin.set({ intent: "create", loginCode: "5001", name: "Somebody else" });
    await expect(added).rejects.toThrow(
      "Agent login 5001 already exists — edit it instead of adding it again.",
    );
    expect(await trpcCode(added)).toBe("CONFLICT");
    expect(await db.agentLogin.findUniqueOrThrow({ where: { loginCode: "5001" } })).toEqual(before);
    expect(await trpcCode(caller.agentLogin.set({ intent: "update", loginCode: "5999", name: "x" }))).toBe(
      "NOT_FOUND",
    );
  });

  it("refuses a file: recorder", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    await expect(caller.recorder.set({ name: "disk", uri: "file:///tmp/rec.wav" })).rejects.toThrow(
      /local file recording is not supported/,
    );
    expect(await db.recorder.count()).toBe(1);
  });

  it("a new extension needs a password; a routing point must route to a real DN", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    expect(await trpcCode(caller.dn.set({ number: "1010", type: "extension" }))).toBe("BAD_REQUEST");
    expect(
      await trpcCode(caller.dn.set({ number: "7001", type: "routing_point", routeTarget: "4242" })),
    ).toBe("BAD_REQUEST");
    expect(await db.dn.findUnique({ where: { number: "1010" } })).toBeNull();
  });
});

describe("bulk record toggle", () => {
  it("changes every named DN, or none when one cannot change", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    const record = async (n: string) => (await db.dn.findUniqueOrThrow({ where: { number: n } })).record;
    await expect(
      caller.dn.setRecordMany({ numbers: ["1001", "7000", "1002"], record: true }),
    ).rejects.toThrow(/7000 is a routing point/);
    expect([await record("1001"), await record("1002")]).toEqual([false, false]);
    const rows = await caller.dn.setRecordMany({ numbers: ["1001", "1002", "pstn"], record: true });
    expect(rows.map((r) => [r.number, r.record])).toEqual([
      ["1001", true],
      ["1002", true],
      ["pstn", true],
    ]);
    expect(await db.auditEvent.count({ where: { action: "dn.record" } })).toBe(3);
    const agent = callerFor(db, testActor("agent")).caller;
    expect(await trpcCode(agent.dn.setRecordMany({ numbers: ["1001"], record: false }))).toBe("FORBIDDEN");
  });
});

describe("recorder failover order", () => {
  it("inserting at a position shifts the others", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    await caller.recorder.set({ name: "backup", uri: "sip:127.0.0.1:5090" });
    await caller.recorder.set({ name: "primary", uri: "sip:127.0.0.1:5091", position: 1 });
    expect((await caller.recorder.list()).map((r) => [r.position, r.name])).toEqual([
      [1, "primary"],
      [2, "lab"],
      [3, "backup"],
    ]);
    await caller.recorder.delete({ name: "lab" });
    expect((await caller.recorder.list()).map((r) => [r.position, r.name])).toEqual([
      [1, "primary"],
      [2, "backup"],
    ]);
  });
});

describe("login", () => {
  it("a wrong password is refused; the right one opens a session", async () => {
    const { caller, cookies } = callerFor(db, null);
    expect(await trpcCode(caller.auth.login({ username: "admin", password: "wrong-password" }))).toBe(
      "UNAUTHORIZED",
    );
    expect(cookies).toEqual([]);
    const me = await caller.auth.login({ username: "admin", password: "admin-password-1" });
    expect(me).toEqual({ username: "admin", role: "admin" });
    expect(cookies).toHaveLength(1);
    expect(await db.session.count()).toBe(1);
    // The database keeps a hash, never the cookie value.
    expect((await db.session.findFirstOrThrow()).id).not.toBe(cookies[0]);
  });

  it("repeated failures are slowed, even for the right password, until the wait is over", async () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({
      freeAttempts: 3,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
      forgetAfterMs: 600_000,
      now: () => now,
    });
    const { caller } = callerFor(db, null, throttle);
    for (let i = 0; i < 3; i++) {
      expect(await trpcCode(caller.auth.login({ username: "admin", password: `guess-${i}` }))).toBe(
        "UNAUTHORIZED",
      );
    }
    expect(await trpcCode(caller.auth.login({ username: "admin", password: "guess-4" }))).toBe(
      "UNAUTHORIZED",
    );
    const blocked = caller.auth.login({ username: "admin", password: "admin-password-1" });
    await expect(blocked).rejects.toThrow(/Too many failed logins/);
    await expect(blocked).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      cause: { code: AppErrorCode.TOO_MANY_REQUESTS },
    });
    // That try during the 1 s wait counted too: the wait doubled from then (2 s), and a try
    // after the first second is still refused (and doubles it again, to 4 s).
    now += 1001;
    await expect(caller.auth.login({ username: "admin", password: "admin-password-1" })).rejects.toThrow(
      /Too many failed logins/,
    );
    now += 3999;
    await expect(caller.auth.login({ username: "admin", password: "admin-password-1" })).rejects.toThrow(
      /Too many failed logins/,
    );
    now += 8001;
    expect(await caller.auth.login({ username: "admin", password: "admin-password-1" })).toMatchObject({
      role: "admin",
    });
  });

  it("API tokens authenticate and can be revoked", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    await db.user.create({
      data: { username: "bob", role: "agent", passwordHash: await hashPassword("bob-password") },
    });
    const { id, token } = await caller.apiToken.create({ name: "bob's script", username: "bob" });
    const { authenticate } = await import("../services/auth/auth-service");
    expect(await authenticate(db, { apiToken: token })).toMatchObject({
      kind: "token",
      username: "bob",
      role: "agent",
    });
    await caller.apiToken.revoke({ id });
    expect(await authenticate(db, { apiToken: token })).toBeNull();
  });

  it("a new password ends the user's sessions, and revokes their API tokens when asked", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    await db.user.create({
      data: { username: "carol", role: "agent", passwordHash: await hashPassword("carol-password") },
    });
    const { authenticate } = await import("../services/auth/auth-service");
    const session = async () => {
      const { caller: signedOut, cookies } = callerFor(db, null);
      await signedOut.auth.login({ username: "carol", password: "carol-password" });
      return cookies[0]!;
    };
    const first = await session();
    const { token } = await caller.apiToken.create({ name: "carol's script", username: "carol" });
    // Revoking tokens goes with a new password only.
    expect(await trpcCode(caller.user.update({ username: "carol", revokeApiTokens: true }))).toBe(
      "BAD_REQUEST",
    );
    await caller.user.update({ username: "carol", password: "carol-password" });
    expect(await authenticate(db, { sessionToken: first })).toBeNull();
    expect(await authenticate(db, { apiToken: token })).toMatchObject({ username: "carol" });
    const second = await session();
    await caller.user.update({ username: "carol", password: "carol-password-2", revokeApiTokens: true });
    expect(await authenticate(db, { sessionToken: second })).toBeNull();
    expect(await authenticate(db, { apiToken: token })).toBeNull();
    const audits = await db.auditEvent.findMany({ where: { action: "user.update" } });
    expect(audits.map((a) => JSON.parse(a.after ?? "{}") as Record<string, unknown>)).toEqual(
      expect.arrayContaining([expect.objectContaining({ passwordChanged: true, apiTokensRevoked: 1 })]),
    );
  });

  it("a disabled user cannot sign in; their sessions end and API tokens stop until enabled; nobody disables themselves or the last admin", async () => {
    const { caller } = callerFor(db, testActor("admin"));
    await db.user.create({
      data: { username: "dave", role: "agent", passwordHash: await hashPassword("dave-password") },
    });
    const { authenticate } = await import("../services/auth/auth-service");
    const { caller: signedOut, cookies } = callerFor(db, null);
    await signedOut.auth.login({ username: "dave", password: "dave-password" });
    const { token } = await caller.apiToken.create({ name: "dave's script", username: "dave" });

    expect(await caller.user.update({ username: "dave", disabled: true })).toMatchObject({ disabled: true });
    expect(await authenticate(db, { sessionToken: cookies[0]! })).toBeNull();
    expect(await authenticate(db, { apiToken: token })).toBeNull();
    const refused = signedOut.auth.login({ username: "dave", password: "dave-password" });
    await expect(refused).rejects.toThrow("This account is disabled. Ask an admin to enable it.");
    expect(await trpcCode(refused)).toBe("FORBIDDEN");
    // Only the right password learns that: a wrong one is the usual refusal.
    await expect(signedOut.auth.login({ username: "dave", password: "not-his" })).rejects.toThrow(
      "Wrong username or password.",
    );

    // Enabled again: the password and the API token work as before (nothing was deleted).
    await caller.user.update({ username: "dave", disabled: false });
    expect(await authenticate(db, { apiToken: token })).toMatchObject({ username: "dave" });
    expect(await signedOut.auth.login({ username: "dave", password: "dave-password" })).toMatchObject({
      username: "dave",
    });
    const audits = await db.auditEvent.findMany({ where: { action: "user.update" }, orderBy: { at: "asc" } });
    expect(audits.map((a) => (JSON.parse(a.after ?? "{}") as { disabled?: boolean }).disabled)).toEqual([
      true,
      false,
    ]);

    // An admin cannot lock themselves out, nor disable the last admin who is not disabled.
    const admin = await db.user.findUniqueOrThrow({ where: { username: "admin" } });
    const { caller: asAdmin } = callerFor(db, {
      kind: "user",
      userId: admin.id,
      username: "admin",
      role: "admin",
    });
    const self = asAdmin.user.update({ username: "admin", disabled: true });
    await expect(self).rejects.toThrow("You cannot disable yourself.");
    await db.user.create({
      data: { username: "erin", role: "admin", passwordHash: await hashPassword("erin-password") },
    });
    await asAdmin.user.update({ username: "erin", disabled: true });
    const { caller: asErin } = callerFor(db, testActor("admin"));
    await expect(asErin.user.update({ username: "admin", disabled: true })).rejects.toThrow(
      "Forkline needs at least one admin who is not disabled.",
    );
    expect((await db.user.findUniqueOrThrow({ where: { username: "admin" } })).disabled).toBe(false);
  });
});
