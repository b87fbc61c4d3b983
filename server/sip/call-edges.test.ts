import { describe, expect, it, vi } from "vitest";
import { registeredAgent } from "../test-support/registered-agent";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { pidOnUdpPort, useTestStack } from "../test-support/stack-fixture";

const ports = {
  http: 3206,
  sip: 5961,
  mediaSip: 5965,
  mediaHttp: 5966,
  recorderSip: 5967,
  recorderHttp: 5968,
  rtpMin: 46700,
  rtpMax: 46799,
};
const SERVER = `127.0.0.1:${ports.sip}`;
const fixture = useTestStack(ports);
const { closers, trpc } = fixture;

/** The demo trunk "pstn" (its peer address is 127.0.0.1:5062), one for the whole file. */
let trunk: Promise<SipTestPhone> | undefined;
function trunkPhone(): Promise<SipTestPhone> {
  trunk ??= SipTestPhone.start({ BYE: (request) => void request.reply(200) }, 5062).then((phone) => {
    closers.push(() => phone.close());
    return phone;
  });
  return trunk;
}

describe("a caller who hangs up while the callee rings", () => {
  it("CANCEL: 200 and 487 to the caller, the callee's INVITE cancelled, no call left, media legs closed", async () => {
    // 1001 rings (180) and never answers; it notices when its INVITE is cancelled.
    let ringingAt: number | undefined;
    let cancelledAt: number | undefined;
    let rang: () => void = () => undefined;
    const calleeRang = () => new Promise<void>((resolve) => (rang = resolve));
    const callee = await SipTestPhone.start({
      INVITE: (request) => {
        request.reply(180);
        ringingAt = Date.now();
        rang();
        request.signal.addEventListener("abort", () => (cancelledAt = Date.now()));
      },
    });
    closers.push(() => callee.close());
    const contact = `<sip:1001@127.0.0.1:${callee.transport.localAddress.port}>`;
    expect(
      (await callee.register({ server: SERVER, user: "1001", password: "demo-1001", contact })).status,
    ).toBe(200);
    const trunk = await trunkPhone();

    const { cancel, invite } = await trunk.callThenCancel(SERVER, "1001", calleeRang());
    expect(cancel.status).toBe(200);
    expect(invite.status).toBe(487);
    expect(ringingAt).toBeDefined();
    await vi.waitFor(() => expect(cancelledAt).toBeDefined(), { timeout: 5_000 });

    // Nothing of the call is left: not in the live list, not in the media engine.
    await vi.waitFor(async () => expect(await trpc<unknown[]>("calls.list")).toEqual([]), { timeout: 5_000 });
    await vi.waitFor(
      async () => {
        const health = (await (await fetch(`http://127.0.0.1:${ports.mediaHttp}/healthz`)).json()) as {
          legs: number;
        };
        expect(health.legs).toBe(0);
      },
      { timeout: 5_000 },
    );

    // And the next call to the same extension rings again.
    ringingAt = undefined;
    const again = await trunk.callThenCancel(SERVER, "1001", calleeRang());
    expect(again.invite.status).toBe(487);
    expect(ringingAt).toBeDefined();
  }, 60_000);
});

describe("SIP over TCP", () => {
  it("a phone registered over TCP calls, is called back on the same connection, and hangs up", async () => {
    const byes: string[] = [];
    const phone = await SipTestPhone.start(
      {
        BYE: (request) => {
          byes.push(request.source.transport);
          request.reply(200);
        },
      },
      0,
      "TCP",
    );
    closers.push(() => phone.close());
    const port = phone.transport.localAddress.port;
    const registered = await phone.register({
      server: SERVER,
      user: "1001",
      password: "demo-1001",
      contact: `<sip:1001@127.0.0.1:${port};transport=tcp>`,
    });
    expect(registered.status).toBe(200);
    const agent = await registeredAgent(SERVER, "1002", 46650, closers);

    // 1001 calls 1002 over the connection it registered on (its proof of identity).
    const first = await phone.call(SERVER, "1002", "1001");
    expect(first.response.status).toBe(200);
    await vi.waitFor(async () =>
      expect(await trpc<{ caller: { dn: string }; callee: { dn: string } }[]>("calls.list")).toMatchObject([
        { caller: { dn: "1001" }, callee: { dn: "1002" } },
      ]),
    );
    // 1002 hangs up: the SIP Server's BYE reaches 1001 over TCP.
    await agent.ua.sendInDialog(agent.dialog!, agent.dialog!.createRequest("BYE"));
    await vi.waitFor(() => expect(byes).toEqual(["TCP"]), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await trpc<unknown[]>("calls.list")).toEqual([]));

    // Again, and this time 1001 hangs up over TCP: 1002 gets the BYE.
    const second = await phone.call(SERVER, "1002", "1001");
    expect(second.response.status).toBe(200);
    const bye = await phone.ua.sendInDialog(second.dialog!, second.dialog!.createRequest("BYE"));
    expect(bye.status).toBe(200);
    await vi.waitFor(() => expect(agent.byes).toHaveLength(1), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await trpc<unknown[]>("calls.list")).toEqual([]));
  }, 60_000);
});

describe("a SIP Server that crashes and is restarted", () => {
  it("keeps its registrations and agent logins: the next call reaches the phone without a new REGISTER", async () => {
    const agent = await registeredAgent(SERVER, "1002", 46660, closers);
    const login = await trpc<{ event: string }>("cti.request", {
      request: "TAgentLogin",
      thisDn: "1002",
      agentId: "5002",
    });
    expect(login.event).toBe("EventAgentLogin");

    const crashed = pidOnUdpPort(ports.sip);
    process.kill(crashed, "SIGKILL");
    // The launcher starts it again; it answers HTTP once it is wired.
    await vi.waitFor(
      async () => {
        expect(pidOnUdpPort(ports.sip)).not.toBe(crashed);
        expect((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status).toBe(200);
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(await trpc<{ agentId: string; dn: string }[]>("cti.agents")).toMatchObject([
      { agentId: "5002", dn: "1002" },
    ]);

    const trunk = await trunkPhone();
    const { response, dialog } = await trunk.call(SERVER, "1002");
    expect(response.status).toBe(200);
    expect(agent.dialog).toBeDefined();
    expect((await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"))).status).toBe(200);
    expect(fixture.stack.output()).toMatch(/[1-9]\d* registration\(s\) restored/);
  }, 60_000);
});
