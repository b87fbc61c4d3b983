import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Role } from "../../../common/roles";
import { FakeClock, UserAgentCore } from "../../../sip-core";
import { MemoryTransport } from "../../../sip-core/test-support/memory-transport";
import { Registrar } from "../../sip/registrar";
import { TestPhone } from "../../sip/registrar/test-support/test-phone";
import { createDemoDb } from "../../test-support/demo-db";
import { callerFor, testActor } from "../../test-support/test-caller";
import type { Actor } from "../actor";
import type { Db } from "../db";
import { login, logout } from "./auth-service";
import { LoginThrottle } from "./login-throttle";
import { registrarCredentials } from "./registrar-credentials";
import {
  SOFTPHONE_CREDENTIAL_TTL_MS,
  SoftphoneCredentialService,
  softphoneCredentialsCounter,
} from "./softphone-credential-service";

const REALM = "forkline";
let db: Db;
let cleanup: () => Promise<void>;
let admin: ReturnType<typeof callerFor>["caller"];
/** The credential service's clock, moved by the tests. */
let now = Date.parse("2026-12-06T10:00:00Z");
let credentials: SoftphoneCredentialService;

beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb());
  admin = callerFor(db, testActor("admin")).caller;
  now = Date.now();
  credentials = new SoftphoneCredentialService(db, REALM, () => now);
});
afterEach(() => cleanup());

async function user(username: string, role: Role, extension?: string): Promise<Actor> {
  const created = await admin.user.create({
    username,
    password: "password-123",
    role,
    ...(extension === undefined ? {} : { extension }),
  });
  return { kind: "user", userId: created.id, username, role };
}

async function counted(outcome: string): Promise<number> {
  const metric = await softphoneCredentialsCounter.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe("SoftphoneCredentialService", () => {
  it("issues a random secret for the user's own extension, keeps only its H(A1), and expires it", async () => {
    const amy = await user("amy", "agent", "1003");
    const issuedBefore = await counted("issued");
    const credential = await credentials.issue(amy);
    expect(credential.username).toBe("1003");
    expect(credential.password).toMatch(/^[\w-]{32}$/);
    expect(credential.expiresAt.getTime()).toBe(now + SOFTPHONE_CREDENTIAL_TTL_MS);
    expect(await counted("issued")).toBe(issuedBefore + 1);
    // The database has digests, never the secret.
    const rows = await db.softphoneCredential.findMany();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(credential.password);
    expect(await credentials.findHa1s("1003", "MD5")).toEqual([rows[0]!.ha1Md5]);
    expect(await credentials.findHa1s("1003", "SHA-256")).toEqual([rows[0]!.ha1Sha256]);
    // Another extension has none; once expired, 1003 has none either.
    expect(await credentials.findHa1s("1001", "MD5")).toEqual([]);
    now += SOFTPHONE_CREDENTIAL_TTL_MS;
    expect(await credentials.findHa1s("1003", "MD5")).toEqual([]);
    // The next issue sweeps the expired row.
    await credentials.issue(amy);
    expect(await db.softphoneCredential.count()).toBe(1);
  });

  it("refuses a user without an extension, another user's extension, and a disabled user (counted)", async () => {
    const amy = await user("amy", "agent", "1003");
    const nobind = await user("nobind", "agent");
    const before = {
      unbound: await counted("refused_unbound"),
      other: await counted("refused_other_extension"),
      disabled: await counted("refused_disabled"),
    };
    await expect(credentials.issue(nobind)).rejects.toThrow("No extension is assigned to you");
    await expect(credentials.issue(amy, "1001")).rejects.toThrow(
      "A softphone credential is only for your own extension 1003, not 1001.",
    );
    await admin.user.update({ username: amy.username, disabled: true });
    await expect(credentials.issue(amy)).rejects.toThrow("The signed-in user is disabled.");
    expect(await counted("refused_unbound")).toBe(before.unbound + 1);
    expect(await counted("refused_other_extension")).toBe(before.other + 1);
    expect(await counted("refused_disabled")).toBe(before.disabled + 1);
    // An API caller without a user gets none either.
    await expect(credentials.issue(testActor("agent"))).rejects.toThrow("Only a signed-in user");
    expect(await db.softphoneCredential.count()).toBe(0);
  });

  it("stops honouring a credential at once when its user is disabled or moved to another extension", async () => {
    const amy = await user("amy", "agent", "1003");
    await credentials.issue(amy);
    expect(await credentials.findHa1s("1003", "SHA-256")).toHaveLength(1);
    await admin.user.update({ username: amy.username, disabled: true });
    expect(await credentials.findHa1s("1003", "SHA-256")).toEqual([]);
    // Revoked, not hidden: enabling the user again does not bring it back.
    await admin.user.update({ username: amy.username, disabled: false });
    expect(await credentials.findHa1s("1003", "SHA-256")).toEqual([]);
    expect(await db.softphoneCredential.count()).toBe(0);
    await credentials.issue(amy);
    expect(await credentials.findHa1s("1003", "SHA-256")).toHaveLength(1);
    await admin.user.update({ username: amy.username, extension: "1002" });
    expect(await credentials.findHa1s("1003", "SHA-256")).toEqual([]);
  });

  it("is what the tRPC mutation cti.softphoneCredential returns to the signed-in user", async () => {
    const amy = await user("amy", "agent", "1003");
    const issued = await callerFor(db, amy).caller.cti.softphoneCredential();
    expect(issued.username).toBe("1003");
    await expect(callerFor(db, amy).caller.cti.softphoneCredential({ dn: "1001" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(callerFor(db, null).caller.cti.softphoneCredential()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});

describe("the registrar with softphone credentials", () => {
  async function registrar() {
    const clock = new FakeClock(1_000_000);
    const store = registrarCredentials(db, REALM);
    const reg = new Registrar({ realm: REALM, clock, store });
    const ua = new UserAgentCore({
      clock,
      delegate: { handlers: { REGISTER: (request) => reg.handleRegister(request) }, onError: () => {} },
    });
    const transport = new MemoryTransport("UDP", { host: "192.0.2.20", port: 5060 });
    await ua.addTransport(transport);
    let port = 5060;
    const phone = (user: string, password: string, algorithm: "MD5" | "SHA-256" = "MD5") =>
      // Each phone from its own source, so one's failures do not throttle another.
      new TestPhone(transport, { user, password, realm: REALM, algorithm, source: { port: port++ } });
    return {
      reg,
      phone,
      close: () => {
        reg.close();
        ua.close();
      },
    };
  }

  it("registers an extension with its credential or with its own password, and refuses the rest", async () => {
    const amy = await user("amy", "agent", "1003");
    const { reg, phone, close } = await registrar();
    try {
      // The real service's clock: this credential is valid now.
      const credential = await new SoftphoneCredentialService(db, REALM).issue(amy);
      for (const algorithm of ["MD5", "SHA-256"] as const) {
        const ok = await phone("1003", credential.password, algorithm).register({
          contacts: ["<sip:1003@192.0.2.10:5070>"],
        });
        expect(ok.status).toBe(200);
      }
      expect(reg.lookup("1003")).toHaveLength(1);
      // The DN's own SIP password still works (phones, and users not bound to an extension).
      expect(
        (await phone("1003", "demo-1003").register({ contacts: ["<sip:1003@192.0.2.11>"] })).status,
      ).toBe(200);
      // The credential is 1003's only: it does not register 1001.
      const wrongDn = await phone("1001", credential.password).register({
        contacts: ["<sip:1001@192.0.2.12>"],
      });
      expect(wrongDn.status).toBe(403);
      expect(wrongDn.reason).toBe("Bad credentials");
      // A made-up secret is refused.
      const guess = await phone("1003", "not-the-secret").register({ contacts: ["<sip:1003@192.0.2.13>"] });
      expect(guess.status).toBe(403);
      // Disabled: the credential is refused at once, though it has not expired.
      await admin.user.update({ username: amy.username, disabled: true });
      const disabled = await phone("1003", credential.password).register({
        contacts: ["<sip:1003@192.0.2.14>"],
      });
      expect(disabled.status).toBe(403);
    } finally {
      close();
    }
  });

  it("refuses the old credential once its user signs out, is disabled, gets a new password or is deleted", async () => {
    const amy = await user("amy", "agent", "1003");
    const bob = await user("bob", "agent", "1002");
    const { phone, close } = await registrar();
    const service = new SoftphoneCredentialService(db, REALM);
    let host = 20;
    const register = async (dn: string, password: string) =>
      (await phone(dn, password).register({ contacts: [`<sip:${dn}@192.0.2.${host++}>`] })).status;
    const signIn = async (username: string) =>
      (
        await login(db, new LoginThrottle(), {
          username,
          password: "password-123",
          source: "192.0.2.99",
          sessionTtlHours: 1,
        })
      ).sessionToken;
    try {
      // Signing out: the session and amy's credentials end; bob's, and his session, do not.
      const amySession = await signIn("amy");
      const bobSession = await signIn("bob");
      const first = await service.issue(amy);
      const bobs = await service.issue(bob);
      expect(await register("1003", first.password)).toBe(200);
      await logout(db, amySession);
      expect(await register("1003", first.password)).toBe(403);
      expect(await register("1002", bobs.password)).toBe(200);
      expect(await db.session.count({ where: { userId: bob.userId! } })).toBe(1);
      expect(await db.session.count({ where: { userId: amy.userId! } })).toBe(0);
      // A stale cookie signs nobody out twice, and revokes nothing of anyone else.
      await logout(db, amySession);
      expect(await register("1002", bobs.password)).toBe(200);
      await logout(db, bobSession);

      // Disabled: revoked, so enabling the account again does not make it work again.
      const second = await service.issue(amy);
      expect(await register("1003", second.password)).toBe(200);
      await admin.user.update({ username: "amy", disabled: true });
      await admin.user.update({ username: "amy", disabled: false });
      expect(await register("1003", second.password)).toBe(403);

      // A new password (an admin's reset): the credential issued under the old one ends.
      const third = await service.issue(amy);
      expect(await register("1003", third.password)).toBe(200);
      await admin.user.update({ username: "amy", password: "password-456" });
      expect(await register("1003", third.password)).toBe(403);
      // Another change (a role, an agent login) leaves it alone.
      const fourth = await service.issue(amy);
      await admin.user.update({ username: "amy", role: "supervisor" });
      expect(await register("1003", fourth.password)).toBe(200);

      // Deleted: no row is left behind.
      await admin.user.delete({ username: "amy" });
      expect(await register("1003", fourth.password)).toBe(403);
      expect(await db.softphoneCredential.count({ where: { userId: amy.userId! } })).toBe(0);
    } finally {
      close();
    }
  });

  it("refuses an expired credential", async () => {
    const amy = await user("amy", "agent", "1003");
    const { phone, close } = await registrar();
    try {
      // Issued six minutes ago with a five-minute life.
      const old = new SoftphoneCredentialService(db, REALM, () => Date.now() - 6 * 60_000);
      const credential = await old.issue(amy);
      const response = await phone("1003", credential.password).register({
        contacts: ["<sip:1003@192.0.2.10>"],
      });
      expect(response.status).toBe(403);
      expect(response.reason).toBe("Bad credentials");
    } finally {
      close();
    }
  });
});
