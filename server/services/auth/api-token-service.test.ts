import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { zCreateApiTokenInput } from "../../../common/schemas/config-schemas";
import type { Db } from "../db";
import { createDemoDb } from "../../test-support/demo-db";
import { callerFor } from "../../test-support/test-caller";
import { apiTokenRefusalCount } from "./api-token-refusals";
import { authenticateRequest } from "./auth-service";

let db: Db;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb("admin-password-1"));
});
afterEach(() => cleanup());

const DAY = 86_400_000;

/** The demo admin as a signed-in actor (a token is owned by whoever creates it unless told). */
async function signedInAdmin() {
  const admin = await db.user.findUniqueOrThrow({ where: { username: "admin" } });
  return callerFor(db, { kind: "user", userId: admin.id, username: "admin", role: "admin" }).caller;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("the call was not refused");
}

/** A caller as the HTTP layer builds it from `Authorization: Bearer <token>`. */
async function callerWithToken(token: string) {
  const { actor, refusal } = await authenticateRequest(db, { apiToken: token });
  return callerFor(db, actor, undefined, undefined, { authRefusal: refusal }).caller;
}

describe("API tokens: expiry and scope", () => {
  it("a token expires after 90 days unless told otherwise, is full scope, and its expiry is listed", async () => {
    const admin = await signedInAdmin();
    const input = zCreateApiTokenInput.parse({ name: "nightly export", username: "supervisor" });
    const made = await admin.apiToken.create(input);
    expect(made.scope).toBe("full");
    expect(made.expiresAt!.getTime() - Date.now()).toBeGreaterThan(90 * DAY - 60_000);
    expect(made.expiresAt!.getTime() - Date.now()).toBeLessThanOrEqual(90 * DAY);
    const never = await admin.apiToken.create({ name: "forever", expiresInDays: null, scope: "read-only" });
    expect(never.expiresAt).toBeNull();
    const listed = await admin.apiToken.list();
    expect(listed.find((t) => t.id === made.id)).toMatchObject({
      scope: "full",
      expiresAt: made.expiresAt,
      expired: false,
      lastUsedAt: null,
    });
    expect(listed.find((t) => t.id === never.id)).toMatchObject({ scope: "read-only", expiresAt: null });
    expect(() => zCreateApiTokenInput.parse({ name: "x", expiresInDays: 45 })).toThrow(/30, 90 or 365/);
  });

  it("a read-only token reads but every mutation is refused (403), nothing changes, the refusal is counted", async () => {
    const admin = await signedInAdmin();
    const { token } = await admin.apiToken.create({
      name: "dashboard",
      scope: "read-only",
      expiresInDays: 30,
    });
    const reader = await callerWithToken(token);
    expect((await reader.dn.list()).map((d) => d.number)).toContain("1001");
    const counted = apiTokenRefusalCount("read_only");
    const refused = await refusal(reader.dn.setRecord({ number: "1001", record: true }));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toMatch(/read-only token/);
    expect(refused.message).toContain("dn.setRecord");
    expect(apiTokenRefusalCount("read_only")).toBe(counted + 1);
    expect((await db.dn.findUniqueOrThrow({ where: { number: "1001" } })).record).toBe(false);
    // Refusals are counted, not audited per request.
    expect(await db.auditEvent.count({ where: { action: "dn.record" } })).toBe(0);
    const row = await db.apiToken.findFirstOrThrow({ where: { name: "dashboard" } });
    expect(row.lastUsedAt).not.toBeNull();
  });

  it("an expired token is refused with 401 naming when it expired; a full token still works", async () => {
    const admin = await signedInAdmin();
    const { id, token } = await admin.apiToken.create({ name: "old script", expiresInDays: 30 });
    const full = await callerWithToken(token);
    expect(await full.dn.setRecord({ number: "1002", record: true })).toMatchObject({ record: true });
    const expiredAt = new Date("2026-01-02T03:04:00Z");
    await db.apiToken.update({ where: { id }, data: { expiresAt: expiredAt, lastUsedAt: null } });
    const counted = apiTokenRefusalCount("expired");
    const late = await callerWithToken(token);
    const refused = await refusal(late.dn.list());
    expect(refused).toEqual({
      code: "UNAUTHORIZED",
      message: "API token expired on 2026-01-02 03:04 UTC: ask an admin for a new one (Users & tokens).",
    });
    expect(apiTokenRefusalCount("expired")).toBe(counted + 1);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).toBeNull();
    expect((await admin.apiToken.list()).find((t) => t.id === id)?.expired).toBe(true);
    // An unknown token says nothing about tokens.
    expect(await refusal((await callerWithToken("flt_nope")).dn.list())).toEqual({
      code: "UNAUTHORIZED",
      message: "Sign in first.",
    });
  });

  it("the local CLI's token, minted at the first start, never expires and has full scope", async () => {
    const cli = await db.apiToken.findFirstOrThrow({ where: { name: "local CLI" } });
    expect(cli).toMatchObject({ expiresAt: null, scope: "full" });
  });

  it("creating and revoking a token are audited with its name, scope and expiry", async () => {
    const admin = await signedInAdmin();
    const { id } = await admin.apiToken.create({ name: "ci", scope: "read-only", expiresInDays: 365 });
    await admin.apiToken.revoke({ id });
    const events = await admin.audit.list({ limit: 2, entity: "ApiToken", entityId: "ci" });
    expect(events.map((e) => [e.action, e.entityName])).toEqual([
      ["apiToken.revoke", "ci"],
      ["apiToken.create", "ci"],
    ]);
    expect(events[1]!.changes.map((c) => c.field)).toEqual(["name", "user", "scope", "expiresAt"]);
  });
});
