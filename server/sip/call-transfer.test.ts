import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../common/test-support/waiting";
import { g711Packet, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { parseSdp } from "../../protocol/sdp";
import { AnsweringPhone } from "../test-support/answering-phone";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";

const ports = {
  http: 3161,
  sip: 5461,
  mediaSip: 5471,
  mediaHttp: 5472,
  recorderSip: 5481,
  recorderHttp: 5482,
  rtpMin: 42400,
  rtpMax: 42599,
};
const SERVER = `127.0.0.1:${ports.sip}`;
let stack: TestStack;
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  stack = await startTestStack(ports, { LOG_LEVEL: "debug" });
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await stack?.stop();
});

async function registerFor(phone: AnsweringPhone, extension: string): Promise<void> {
  const registrar = await SipTestPhone.start();
  closers.push(() => registrar.close());
  const response = await registrar.register({
    server: SERVER,
    user: extension,
    password: `demo-${extension}`,
    contact: phone.contact,
  });
  expect(response.status).toBe(200);
}

describe("blind transfer by REFER (RFC 3515)", () => {
  it("1001 transfers the trunk caller to 1002: NOTIFYs 100 then 200, 1001 released, media reaches 1002", async () => {
    const agent1Media = await UdpPhone.open(32400);
    const agent2Media = await UdpPhone.open(32402);
    const trunkMedia = await UdpPhone.open(32700);
    closers.push(
      () => agent1Media.close(),
      () => agent2Media.close(),
      () => trunkMedia.close(),
    );
    const agent1 = await AnsweringPhone.start(32400);
    const agent2 = await AnsweringPhone.start(32402);
    closers.push(
      () => agent1.close(),
      () => agent2.close(),
    );
    await registerFor(agent1, "1001");
    await registerFor(agent2, "1002");
    const trunk = await SipTestPhone.start({ BYE: (request) => void request.reply(200) }, 5062);
    closers.push(() => trunk.close());

    const { response, dialog } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    expect(dialog).toBeDefined();
    const enginePortForTrunk = parseSdp(response.body).media[0]!.port;

    // Before the transfer the trunk's audio reaches 1001.
    await trunkMedia.send(g711Packet(0x7, 1), enginePortForTrunk);
    await waitFor(() => agent1Media.received.length === 1, 3000, "media at 1001");

    const referred = await agent1.refer("1002", SERVER);
    expect(referred.status).toBe(202);
    await waitFor(() => agent1.notifies.includes("SIP/2.0 200 OK"), 10_000, "the final NOTIFY").catch(
      (error: Error) => {
        throw new Error(`${error.message}; NOTIFYs ${JSON.stringify(agent1.notifies)}\n${stack.output()}`);
      },
    );
    expect(agent1.notifies[0]).toBe("SIP/2.0 100 Trying");
    await waitFor(() => agent1.byes.length === 1, 5000, "1001 released");

    await trunkMedia.send(g711Packet(0x7, 2), enginePortForTrunk);
    await waitFor(() => agent2Media.received.length === 1, 3000, "media at 1002");
    expect(agent2Media.received[0]!.equals(g711Packet(0x7, 2))).toBe(true);
    expect(agent1Media.received).toHaveLength(1);
  }, 60_000);
});
