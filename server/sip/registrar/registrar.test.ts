import { afterEach, describe, expect, it } from "vitest";
import { computeDigestHa1, parseDigestHeader, type SipResponse } from "../../../protocol/sip";
import { FakeClock, UserAgentCore, type TransportProtocol } from "../../../sip-core";
import { MemoryTransport } from "../../../sip-core/test-support/memory-transport";
import { RegistrationService } from "../../services/registrations/registration-service";
import { createTestDb } from "../../test-support/test-db";
import { Registrar, type RegistrarEvent, type RegistrarOptions } from "./registrar";
import { TestPhone, type PhoneOptions } from "./test-support/test-phone";

const REALM = "lab.example";
const PASSWORDS: Readonly<Record<string, string>> = { "1001": "secret-1001", "1002": "secret-1002" };

interface Setup {
  readonly registrar: Registrar;
  readonly transport: MemoryTransport;
  readonly clock: FakeClock;
  readonly events: RegistrarEvent[];
  readonly lookups: string[];
  readonly errors: unknown[];
  phone(options?: Partial<PhoneOptions>): TestPhone;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(
  options: Partial<RegistrarOptions> = {},
  protocol: TransportProtocol = "UDP",
): Promise<Setup> {
  const clock = new FakeClock(1_000_000);
  const lookups: string[] = [];
  const errors: unknown[] = [];
  const registrar = new Registrar({
    realm: REALM,
    clock,
    store: {
      findHa1: async (username, algorithm) => {
        lookups.push(`${username}/${algorithm}`);
        const password = PASSWORDS[username];
        return password === undefined ? undefined : computeDigestHa1(algorithm, username, REALM, password);
      },
    },
    onError: (error) => errors.push(error),
    ...options,
  });
  const ua = new UserAgentCore({
    clock,
    delegate: {
      handlers: { REGISTER: (request) => registrar.handleRegister(request) },
      onError: (error) => errors.push(error),
    },
  });
  const transport = new MemoryTransport(protocol, { host: "192.0.2.20", port: 5060 });
  await ua.addTransport(transport);
  cleanups.push(
    () => registrar.close(),
    () => ua.close(),
  );
  const events: RegistrarEvent[] = [];
  registrar.on((event) => events.push(event));
  return {
    registrar,
    transport,
    clock,
    events,
    lookups,
    errors,
    phone: (phoneOptions = {}) =>
      new TestPhone(transport, {
        user: "1001",
        password: PASSWORDS["1001"]!,
        realm: REALM,
        ...phoneOptions,
      }),
  };
}

function contactsOf(response: SipResponse): string[] {
  return response.headers.getAll("Contact");
}

function challenges(response: SipResponse): Map<string, string>[] {
  return response.headers.getAll("WWW-Authenticate").map((value) => parseDigestHeader(value).params);
}

describe("Registrar: digest authentication", () => {
  it("challenges an unauthenticated REGISTER with SHA-256 then MD5, qop auth", async () => {
    const { phone, registrar } = await setup();
    const response = await phone().send({ contacts: ["<sip:1001@192.0.2.10:5060>"] });
    expect(response.status).toBe(401);
    const offered = challenges(response);
    expect(offered.map((params) => params.get("algorithm"))).toEqual(["SHA-256", "MD5"]);
    for (const params of offered) {
      expect(params.get("realm")).toBe(REALM);
      expect(params.get("qop")).toBe("auth");
      expect(params.get("nonce")).toMatch(/^[0-9a-z]+\.[\w-]+\.[\w-]+$/);
      expect(params.has("stale")).toBe(false);
    }
    expect(registrar.lookup("1001")).toEqual([]);
  });

  it.each(["SHA-256", "MD5"] as const)("registers with %s credentials", async (algorithm) => {
    const { phone, registrar, events, lookups } = await setup();
    const response = await phone({ algorithm }).register({ contacts: ["<sip:1001@192.0.2.10:5060>"] });
    expect(response.status).toBe(200);
    expect(contactsOf(response)).toEqual(["<sip:1001@192.0.2.10:5060>;expires=3600"]);
    expect(response.headers.get("Date")).toMatch(/GMT$/);
    expect(lookups).toEqual([`1001/${algorithm}`]);
    const [binding] = registrar.lookup("1001");
    expect(binding).toMatchObject({
      aor: "1001",
      contact: "sip:1001@192.0.2.10:5060",
      expiresAt: 1_000_000 + 3600_000,
      cseq: 2,
      source: { transport: "UDP", host: "192.0.2.10", port: 5060 },
      userAgent: "TestPhone/1.0",
    });
    expect(registrar.registeredAors()).toEqual(["1001"]);
    expect(events).toEqual([{ type: "registered", aor: "1001", binding }]);
  });

  it("refuses a wrong password with 403 Bad credentials", async () => {
    const { phone, registrar } = await setup();
    const response = await phone({ password: "guess" }).register({ contacts: ["<sip:1001@192.0.2.10>"] });
    expect(response.status).toBe(403);
    expect(response.reason).toBe("Bad credentials");
    expect(registrar.lookup("1001")).toEqual([]);
  });

  it("refuses an unknown user the same way, after computing a digest all the same", async () => {
    const { phone, lookups } = await setup();
    const response = await phone({ user: "4242", password: "whatever" }).register({
      contacts: ["<sip:4242@192.0.2.10>"],
    });
    expect(response.status).toBe(403);
    expect(response.reason).toBe("Bad credentials");
    expect(lookups).toEqual(["4242/SHA-256"]);
  });

  it("refuses credentials of another user than the To AOR", async () => {
    const { phone, lookups, registrar } = await setup();
    const response = await phone({ user: "1001", authUser: "1002", password: PASSWORDS["1002"]! }).register({
      contacts: ["<sip:1001@192.0.2.10>"],
    });
    expect(response.status).toBe(403);
    expect(response.reason).toBe("Bad credentials");
    expect(lookups).toEqual([]);
    expect(registrar.lookup("1001")).toEqual([]);
  });

  it("refuses a replayed nonce count and accepts the next one", async () => {
    const { phone: makePhone } = await setup();
    const phone = makePhone();
    expect((await phone.register({ contacts: ["<sip:1001@192.0.2.10>"] })).status).toBe(200);
    const replay = await phone.send({
      contacts: ["<sip:1001@192.0.2.10>"],
      authorization: phone.authorization({ nc: 1 }),
    });
    expect(replay.status).toBe(403);
    const next = await phone.send({
      contacts: ["<sip:1001@192.0.2.10>"],
      authorization: phone.authorization({ nc: 2 }),
    });
    expect(next.status).toBe(200);
  });

  it("answers a stale nonce with a valid digest by 401 stale=true, then accepts the new nonce", async () => {
    const { phone: makePhone, clock } = await setup();
    const phone = makePhone();
    expect((await phone.register({ contacts: ["<sip:1001@192.0.2.10>"] })).status).toBe(200);
    clock.advance(301_000);
    const stale = await phone.send({
      contacts: ["<sip:1001@192.0.2.10>"],
      authorization: phone.authorization(),
    });
    expect(stale.status).toBe(401);
    expect(challenges(stale).map((params) => params.get("stale"))).toEqual(["true", "true"]);
    phone.adopt(stale);
    const retry = await phone.send({
      contacts: ["<sip:1001@192.0.2.10>"],
      authorization: phone.authorization(),
    });
    expect(retry.status).toBe(200);
  });

  it("answers a stale nonce with a wrong digest by 403, not stale", async () => {
    const { phone: makePhone, clock } = await setup();
    const phone = makePhone();
    phone.adopt(await phone.send());
    clock.advance(301_000);
    const response = await phone.send({ authorization: phone.authorization({ password: "guess" }) });
    expect(response.status).toBe(403);
  });

  it("challenges again, not stale, for a nonce it did not issue", async () => {
    const { phone: makePhone } = await setup();
    const phone = makePhone();
    phone.adopt(await phone.send());
    const forged = await phone.send({ authorization: phone.authorization({ nonce: "0.AAAA.BBBB" }) });
    expect(forged.status).toBe(401);
    expect(challenges(forged).every((params) => !params.has("stale"))).toBe(true);
  });

  it("answers unparseable credentials with 400", async () => {
    const { phone } = await setup();
    const response = await phone().send({ authorization: 'Digest username="1001", realm="lab.example' });
    expect(response.status).toBe(400);
    expect(response.reason).toBe("Malformed Authorization");
  });

  it("answers incomplete credentials with 400", async () => {
    const { phone } = await setup();
    const response = await phone().send({ authorization: `Digest username="1001", realm="${REALM}"` });
    expect(response.status).toBe(400);
  });

  it("reports a failing credentials store and answers 500", async () => {
    const boom = new Error("database down");
    const { phone, errors } = await setup({
      store: {
        findHa1: () => Promise.reject(boom),
      },
    });
    const response = await phone().register({ contacts: ["<sip:1001@192.0.2.10>"] });
    expect(response.status).toBe(500);
    expect(errors).toEqual([boom]);
  });
});

describe("Registrar: throttling", () => {
  async function fail(phone: TestPhone): Promise<SipResponse> {
    phone.adopt(await phone.send());
    return phone.send({ authorization: phone.authorization({ password: "guess" }) });
  }

  it("blocks a source after 5 failures, releases it after 60 s and doubles the next block", async () => {
    const { phone: makePhone, clock, lookups } = await setup();
    const phone = makePhone();
    for (let i = 0; i < 5; i++) expect((await fail(phone)).reason).toBe("Bad credentials");
    lookups.length = 0;
    const blocked = await phone.send({ authorization: phone.authorization() });
    expect(blocked.status).toBe(403);
    expect(blocked.reason).toBe("Too many failed attempts");
    expect(blocked.headers.get("Retry-After")).toBe("60");
    expect(lookups).toEqual([]);

    // Another address is not affected.
    const other = makePhone({ user: "1002", password: PASSWORDS["1002"]!, source: { host: "192.0.2.11" } });
    expect((await other.register({ contacts: ["<sip:1002@192.0.2.11>"] })).status).toBe(200);

    clock.advance(60_000);
    expect((await fail(phone)).reason).toBe("Bad credentials");
    const again = await phone.send();
    expect(again.reason).toBe("Too many failed attempts");
    expect(again.headers.get("Retry-After")).toBe("120");

    clock.advance(120_000);
    expect((await phone.register({ contacts: ["<sip:1001@192.0.2.10>"] })).status).toBe(200);
    // A success forgives: five more failures are needed for a new block.
    for (let i = 0; i < 4; i++) expect((await fail(phone)).reason).toBe("Bad credentials");
    expect((await phone.send()).status).toBe(401);
  });

  it("counts only failures within 60 s", async () => {
    const { phone: makePhone, clock } = await setup();
    const phone = makePhone();
    for (let i = 0; i < 4; i++) await fail(phone);
    clock.advance(61_000);
    for (let i = 0; i < 4; i++) expect((await fail(phone)).reason).toBe("Bad credentials");
    expect((await phone.send()).status).toBe(401);
  });
});

describe("Registrar: bindings", () => {
  it("expires bindings, with an 'expired' event from the sweep", async () => {
    const { phone, registrar, clock, events } = await setup();
    await phone().register({ contacts: ["<sip:1001@192.0.2.10>"], expires: 120 });
    clock.advance(119_000);
    expect(registrar.lookup("1001")).toHaveLength(1);
    clock.advance(1_000);
    expect(events.at(-1)).toEqual({
      type: "unregistered",
      aor: "1001",
      contact: "sip:1001@192.0.2.10",
      reason: "expired",
    });
    expect(registrar.lookup("1001")).toEqual([]);
    expect(registrar.registeredAors()).toEqual([]);
  });

  it("answers 423 with Min-Expires for a too brief interval and changes nothing", async () => {
    const { phone, registrar } = await setup();
    const response = await phone().register({
      contacts: ["<sip:1001@192.0.2.10>", "<sip:1001@192.0.2.99>;expires=30"],
    });
    expect(response.status).toBe(423);
    expect(response.headers.get("Min-Expires")).toBe("60");
    expect(registrar.lookup("1001")).toEqual([]);
  });

  it("caps the interval at maxExpires and lets a Contact expires override Expires", async () => {
    const { phone } = await setup();
    const response = await phone().register({
      contacts: ["<sip:1001@192.0.2.10>;expires=99999", "<sip:1001@192.0.2.11>"],
      expires: 600,
    });
    expect(response.status).toBe(200);
    expect(contactsOf(response).sort()).toEqual([
      "<sip:1001@192.0.2.10>;expires=3600",
      "<sip:1001@192.0.2.11>;expires=600",
    ]);
  });

  it("keeps several contacts, highest q first, and removes one with expires=0", async () => {
    const { phone: makePhone, registrar, events, clock } = await setup();
    const phone = makePhone();
    await phone.register({ contacts: ["<sip:1001@192.0.2.10>;q=0.5", "<sip:1001@192.0.2.11>"] });
    clock.advance(1_000);
    const added = await phone.register({ contacts: ["<sip:1001@192.0.2.12>;q=0.7"] });
    expect(contactsOf(added)).toEqual([
      "<sip:1001@192.0.2.11>;expires=3599",
      "<sip:1001@192.0.2.12>;expires=3600;q=0.7",
      "<sip:1001@192.0.2.10>;expires=3599;q=0.5",
    ]);
    const removed = await phone.register({ contacts: ["<sip:1001@192.0.2.11>;expires=0"] });
    expect(removed.status).toBe(200);
    expect(registrar.lookup("1001").map((b) => b.contact)).toEqual([
      "sip:1001@192.0.2.12",
      "sip:1001@192.0.2.10",
    ]);
    expect(events.at(-1)).toEqual({
      type: "unregistered",
      aor: "1001",
      contact: "sip:1001@192.0.2.11",
      reason: "removed",
    });
  });

  it("refreshes a binding in place, matching the URI case-insensitively in the host", async () => {
    const { phone: makePhone, registrar, clock } = await setup();
    const phone = makePhone();
    await phone.register({ contacts: ["<sip:1001@Phone.Lab:5060;transport=udp>"] });
    clock.advance(10_000);
    await phone.register({ contacts: ["<sip:1001@phone.lab:5060;transport=UDP>"] });
    const bindings = registrar.lookup("1001");
    expect(bindings).toHaveLength(1);
    expect(bindings[0]!.expiresAt).toBe(clock.now() + 3600_000);
  });

  it("drops the oldest binding beyond maxContactsPerAor", async () => {
    const { phone: makePhone, registrar, events, clock } = await setup({ maxContactsPerAor: 2 });
    const phone = makePhone();
    await phone.register({ contacts: ["<sip:1001@192.0.2.10>"] });
    clock.advance(1_000);
    await phone.register({ contacts: ["<sip:1001@192.0.2.11>"] });
    clock.advance(1_000);
    await phone.register({ contacts: ["<sip:1001@192.0.2.12>"] });
    expect(registrar.lookup("1001").map((b) => b.contact)).toEqual([
      "sip:1001@192.0.2.12",
      "sip:1001@192.0.2.11",
    ]);
    expect(events.filter((e) => e.type === "unregistered")).toEqual([
      { type: "unregistered", aor: "1001", contact: "sip:1001@192.0.2.10", reason: "removed" },
    ]);
  });

  it("removes every binding with Contact: * and Expires: 0", async () => {
    const { phone: makePhone, registrar, events } = await setup();
    const phone = makePhone();
    await phone.register({ contacts: ["<sip:1001@192.0.2.10>", "<sip:1001@192.0.2.11>"] });
    const response = await phone.register({ contacts: ["*"], expires: 0 });
    expect(response.status).toBe(200);
    expect(contactsOf(response)).toEqual([]);
    expect(registrar.lookup("1001")).toEqual([]);
    expect(
      events.filter((e) => e.type === "unregistered").map((e) => e.type === "unregistered" && e.reason),
    ).toEqual(["removed", "removed"]);
  });

  it("refuses Contact: * without Expires: 0 or next to another contact", async () => {
    const { phone: makePhone } = await setup();
    const phone = makePhone();
    expect((await phone.register({ contacts: ["*"], expires: 60 })).status).toBe(400);
    expect((await phone.register({ contacts: ["*"] })).status).toBe(400);
    expect((await phone.register({ contacts: ["*", "<sip:1001@192.0.2.10>"], expires: 0 })).status).toBe(400);
  });

  it("answers a REGISTER without Contact with the current bindings", async () => {
    const { phone: makePhone, clock } = await setup();
    const phone = makePhone();
    await phone.register({ contacts: ["<sip:1001@192.0.2.10>"] });
    clock.advance(100_000);
    const query = await phone.register();
    expect(query.status).toBe(200);
    expect(contactsOf(query)).toEqual(["<sip:1001@192.0.2.10>;expires=3500"]);
  });

  it("refuses an out-of-order CSeq on the same Call-ID with 500, accepts another Call-ID", async () => {
    const { phone: makePhone, registrar } = await setup();
    const phone = makePhone();
    await phone.register({ contacts: ["<sip:1001@192.0.2.10>"], cseq: 10 });
    const late = await phone.send({
      contacts: ["<sip:1001@192.0.2.10>"],
      expires: 0,
      cseq: 10,
      authorization: phone.authorization(),
    });
    expect(late.status).toBe(500);
    expect(late.reason).toBe("Out of order");
    expect(registrar.lookup("1001")).toHaveLength(1);
    const other = await phone.send({
      contacts: ["<sip:1001@192.0.2.10>"],
      cseq: 1,
      callId: "another-call-id",
      authorization: phone.authorization(),
    });
    expect(other.status).toBe(200);
    expect(registrar.lookup("1001")[0]!.callId).toBe("another-call-id");
  });

  it("answers 400 for a malformed Expires or Contact", async () => {
    const { phone: makePhone } = await setup();
    const phone = makePhone();
    expect((await phone.register({ contacts: ["<sip:1001@192.0.2.10>"], expires: "soon" })).status).toBe(400);
    expect((await phone.register({ contacts: ["<sip:1001@192.0.2.10"] })).status).toBe(400);
    expect((await phone.register({ contacts: ["<sip:1001@192.0.2.10>;q=2"] })).status).toBe(400);
  });

  it("keys an RFC 5626 binding on +sip.instance and reg-id, whatever the address", async () => {
    const { phone: makePhone, registrar } = await setup();
    const instance = '+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>"';
    const phone = makePhone();
    await phone.register({ contacts: [`<sip:1001@192.0.2.10:5060>;${instance};reg-id=1`] });
    const moved = await phone.register({ contacts: [`<sip:1001@198.51.100.7:40000>;${instance};reg-id=1`] });
    expect(contactsOf(moved)).toEqual([`<sip:1001@198.51.100.7:40000>;expires=3600;${instance};reg-id=1`]);
    expect(registrar.lookup("1001")).toMatchObject([
      { instanceId: "<urn:uuid:00000000-0000-0000-0000-000000000001>", regId: 1 },
    ]);
  });
});

describe("Registrar: flows, events and lifecycle", () => {
  it("removes the bindings of a closed connection", async () => {
    const { phone: makePhone, registrar, events } = await setup({}, "WS");
    const ws = makePhone({
      source: { transport: "WS", host: "192.0.2.30", port: 50000, connectionId: "ws-7" },
    });
    const other = makePhone({
      user: "1002",
      password: PASSWORDS["1002"]!,
      source: { transport: "WS", host: "192.0.2.31", port: 50001, connectionId: "ws-8" },
    });
    expect((await ws.register({ contacts: ["<sip:abc@df7jal23ls0d.invalid;transport=ws>"] })).status).toBe(
      200,
    );
    await other.register({ contacts: ["<sip:xyz@k3j2.invalid;transport=ws>"] });
    expect(registrar.lookup("1001")[0]!.source.connectionId).toBe("ws-7");
    registrar.removeFlow("ws-7");
    expect(registrar.lookup("1001")).toEqual([]);
    expect(registrar.registeredAors()).toEqual(["1002"]);
    expect(events.at(-1)).toEqual({
      type: "unregistered",
      aor: "1001",
      contact: "sip:abc@df7jal23ls0d.invalid;transport=ws",
      reason: "removed",
    });
  });

  it("asks mayBind after the digest check and answers 403 with its reason, binding nothing", async () => {
    const asked: string[] = [];
    const { phone: makePhone, registrar } = await setup(
      {
        mayBind: async (aor, source) => {
          asked.push(`${aor}@${source.connectionId ?? "-"}`);
          return source.connectionId === "ws-1" && aor !== "1002"
            ? `Extension ${aor} is not assigned to this user`
            : null;
        },
      },
      "WS",
    );
    const intruder = makePhone({
      source: { transport: "WS", host: "192.0.2.30", port: 50000, connectionId: "ws-1" },
    });
    const refused = await intruder.register({ contacts: ["<sip:abc@df7jal23ls0d.invalid;transport=ws>"] });
    expect(refused.status).toBe(403);
    expect(refused.reason).toBe("Extension 1001 is not assigned to this user");
    expect(registrar.lookup("1001")).toEqual([]);
    const owner = makePhone({
      user: "1002",
      password: PASSWORDS["1002"]!,
      source: { transport: "WS", host: "192.0.2.30", port: 50000, connectionId: "ws-1" },
    });
    expect((await owner.register({ contacts: ["<sip:xyz@df7jal23ls0d.invalid;transport=ws>"] })).status).toBe(
      200,
    );
    // Only authenticated requests reach mayBind: the 401 challenges did not.
    expect(asked).toEqual(["1001@ws-1", "1002@ws-1"]);
  });

  it("keeps answering when a listener throws, and stops notifying after unsubscribe", async () => {
    const { phone, registrar, errors } = await setup();
    const boom = new Error("listener failed");
    const seen: string[] = [];
    const off = registrar.on((event) => {
      seen.push(event.type);
      throw boom;
    });
    expect((await phone().register({ contacts: ["<sip:1001@192.0.2.10>"] })).status).toBe(200);
    expect(errors).toEqual([boom]);
    off();
    registrar.removeFlow("none");
    expect(seen).toEqual(["registered"]);
  });

  it("stops its sweep timer on close", async () => {
    const { registrar, clock } = await setup();
    expect(clock.pendingDelays()).toContain(1000);
    registrar.close();
    expect(clock.pendingDelays()).not.toContain(1000);
  });
});

describe("Registrar: bindings that survive a restart", () => {
  it("saves every change before answering, and a new registrar restores what can still be reached", async () => {
    const { db, cleanup } = await createTestDb();
    cleanups.push(cleanup);
    const saved = new RegistrationService(db);
    const first = await setup({ bindings: saved });
    const udp = first.phone({ user: "1001", password: PASSWORDS["1001"]! });
    expect((await udp.register({ contacts: ["<sip:1001@192.0.2.10:5060>"], expires: 600 })).status).toBe(200);
    // 1002 came through a connection (TCP here; WebSocket alike): after a restart that flow is gone.
    const overTcp = await setup({ bindings: saved }, "TCP");
    const tcp = overTcp.phone({
      user: "1002",
      password: PASSWORDS["1002"]!,
      source: { transport: "TCP", host: "192.0.2.11", port: 40000, connectionId: "tcp-7" },
    });
    expect((await tcp.register({ contacts: ["<sip:1002@192.0.2.11:40000;transport=tcp>"] })).status).toBe(
      200,
    );
    expect(await db.registration.count()).toBe(2);

    // Another process, another clock: the binding comes back with the time it had left.
    const second = await setup({ bindings: saved });
    second.clock.advance(0);
    expect(await second.registrar.restore()).toBe(1);
    const [binding] = second.registrar.lookup("1001");
    expect(binding).toMatchObject({
      contact: "sip:1001@192.0.2.10:5060",
      source: { transport: "UDP", host: "192.0.2.10", port: 5060 },
      cseq: 2,
    });
    const leftMs = binding!.expiresAt - second.clock.now();
    expect(leftMs).toBeGreaterThan(590_000);
    expect(leftMs).toBeLessThanOrEqual(600_000);
    expect(second.registrar.lookup("1002")).toEqual([]);
    // What could not come back is forgotten, not restored again next time.
    expect((await db.registration.findMany()).map((r) => r.aor)).toEqual(["1001"]);

    // The phone unregisters through the restarted registrar: nothing is left to restore.
    const again = second.phone({ user: "1001", password: PASSWORDS["1001"]! });
    expect((await again.register({ contacts: ["<sip:1001@192.0.2.10:5060>"], expires: 0 })).status).toBe(200);
    expect(await db.registration.count()).toBe(0);
    const third = await setup({ bindings: saved });
    expect(await third.registrar.restore()).toBe(0);
  });

  it("does not restore a binding that expired while the server was down", async () => {
    const { db, cleanup } = await createTestDb();
    cleanups.push(cleanup);
    const saved = new RegistrationService(db);
    await saved.save("1001", [
      {
        aor: "1001",
        contact: "sip:1001@192.0.2.10:5060",
        expiresAt: new Date(Date.now() - 1_000),
        callId: "c",
        cseq: 1,
        source: { transport: "UDP", host: "192.0.2.10", port: 5060 },
      },
    ]);
    const { registrar } = await setup({ bindings: saved });
    expect(await registrar.restore()).toBe(0);
    expect(registrar.lookup("1001")).toEqual([]);
    expect(await db.registration.count()).toBe(0);
  });
});
