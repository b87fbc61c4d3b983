import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../common/test-support/waiting";
import { parseRtpHeader } from "../../protocol/rtp";
import { MediaBridge } from "./media-bridge";
import { PortPool } from "../../common/rtp-port-pool";
import { RtpEndpoint } from "./rtp-endpoint";
import { sendBurst, UdpPhone } from "./test-support/udp-phone";

const pool = new PortPool(41500, 41999);
const endpoints: RtpEndpoint[] = [];
const phones: UdpPhone[] = [];

afterEach(() => {
  for (const endpoint of endpoints.splice(0)) endpoint.close();
  for (const phone of phones.splice(0)) phone.close();
});

/** A call leg: an endpoint in the engine and the phone on the other side of it. */
async function leg(): Promise<{ endpoint: RtpEndpoint; phone: UdpPhone }> {
  const endpoint = await RtpEndpoint.create({
    bindHost: "127.0.0.1",
    portPool: pool,
    inactivityTimeoutMs: 0,
  });
  const phone = await UdpPhone.open();
  endpoints.push(endpoint);
  phones.push(phone);
  endpoint.setRemote("127.0.0.1", phone.port);
  return { endpoint, phone };
}

const talk = (from: UdpPhone, to: RtpEndpoint, ssrc: number, count: number, firstSeq = 0) =>
  sendBurst(from, to.localPort, { count, ssrc, firstSeq, restMs: 1 });

describe("MediaBridge", () => {
  it("relays 50 real RTP packets each way between two joined legs, unchanged", async () => {
    const a = await leg();
    const b = await leg();
    const bridge = new MediaBridge();
    bridge.join(a.endpoint, b.endpoint);
    expect(bridge.peersOf(a.endpoint)).toEqual([b.endpoint]);

    const [fromA, fromB] = await Promise.all([
      talk(a.phone, a.endpoint, 0xaaaa, 50),
      talk(b.phone, b.endpoint, 0xbbbb, 50),
    ]);
    await waitFor(() => a.phone.received.length >= 50 && b.phone.received.length >= 50, 5000, "both ways");
    // The relay is synchronous: what each endpoint sent (packetsOut, below) is all its phone can get.
    expect(b.phone.received).toEqual(fromA);
    expect(a.phone.received).toEqual(fromB);
    expect(parseRtpHeader(b.phone.received[49]!)).toMatchObject({ ssrc: 0xaaaa, sequenceNumber: 49 });
    // Each phone hears the other from its own leg's port (symmetric RTP).
    expect(new Set(b.phone.senders.map((s) => s.port))).toEqual(new Set([b.endpoint.localPort]));
    expect(a.endpoint.stats).toMatchObject({ packetsIn: 50, packetsOut: 50, bytesIn: 50 * 172, lost: 0 });
    expect(b.endpoint.stats).toMatchObject({ packetsIn: 50, packetsOut: 50, packetsDropped: 0 });
  });

  it("relays one way only for a-to-b, and a second join updates the direction", async () => {
    const a = await leg();
    const b = await leg();
    const bridge = new MediaBridge();
    bridge.join(a.endpoint, b.endpoint, "a-to-b");
    await talk(a.phone, a.endpoint, 1, 5);
    await talk(b.phone, b.endpoint, 2, 5);
    await waitFor(() => b.phone.received.length === 5 && b.endpoint.stats.packetsIn === 5);
    // B's packets were all handled (the relay is synchronous) and none went out toward A.
    expect(a.endpoint.stats.packetsOut).toBe(0);
    expect(a.phone.received).toHaveLength(0);

    bridge.join(b.endpoint, a.endpoint, "a-to-b"); // argument order counts: now only b's party is heard
    await talk(a.phone, a.endpoint, 1, 5, 5);
    await talk(b.phone, b.endpoint, 2, 5, 5);
    await waitFor(() => a.phone.received.length === 5 && a.endpoint.stats.packetsIn === 10);
    expect(b.endpoint.stats.packetsOut).toBe(5);
    expect(b.phone.received).toHaveLength(5);
  });

  it("does not relay toward an endpoint whose direction is inactive", async () => {
    const a = await leg();
    const b = await leg();
    new MediaBridge().join(a.endpoint, b.endpoint);
    b.endpoint.setDirection("inactive");
    await talk(a.phone, a.endpoint, 1, 5);
    await talk(b.phone, b.endpoint, 2, 5);
    await waitFor(() => b.endpoint.stats.packetsDropped === 5 && a.endpoint.stats.packetsIn === 5);
    expect(a.endpoint.stats.packetsOut).toBe(0);
    expect(b.endpoint.stats.packetsOut).toBe(0);
    expect(a.phone.received).toHaveLength(0);
    expect(b.phone.received).toHaveLength(0);
  });

  it("shows taps every packet received from their endpoint, after relaying", async () => {
    const a = await leg();
    const b = await leg();
    const bridge = new MediaBridge();
    bridge.join(a.endpoint, b.endpoint);
    const tapped: Buffer[] = [];
    const order: string[] = [];
    const removeTap = bridge.addTap(a.endpoint, (packet) => {
      tapped.push(Buffer.from(packet));
      order.push(`tap after ${b.endpoint.stats.packetsOut} sent`);
    });
    bridge.addTap(a.endpoint, () => {
      throw new Error("faulty recorder");
    });
    const sent = await talk(a.phone, a.endpoint, 1, 10);
    await talk(b.phone, b.endpoint, 2, 3);
    await waitFor(() => tapped.length === 10 && b.phone.received.length === 10);
    expect(tapped).toEqual(sent);
    expect(order[0]).toBe("tap after 1 sent");

    removeTap();
    await talk(a.phone, a.endpoint, 1, 5, 10);
    await waitFor(() => b.phone.received.length === 15);
    expect(tapped).toHaveLength(10);
  });

  it("taps a leg that is not joined to anything", async () => {
    const a = await leg();
    const tapped: Buffer[] = [];
    new MediaBridge().addTap(a.endpoint, (packet) => tapped.push(packet));
    await talk(a.phone, a.endpoint, 1, 3);
    await waitFor(() => tapped.length === 3);
  });

  it("stops relaying after unjoin, which is a no-op when not joined", async () => {
    const a = await leg();
    const b = await leg();
    const bridge = new MediaBridge();
    bridge.unjoin(a.endpoint, b.endpoint);
    bridge.join(a.endpoint, b.endpoint);
    await talk(a.phone, a.endpoint, 1, 5);
    await waitFor(() => b.phone.received.length === 5);
    bridge.unjoin(b.endpoint, a.endpoint);
    expect(bridge.peersOf(a.endpoint)).toEqual([]);
    expect(bridge.peersOf(b.endpoint)).toEqual([]);
    await talk(a.phone, a.endpoint, 1, 5, 5);
    await waitFor(() => a.endpoint.stats.packetsIn === 10);
    expect(b.endpoint.stats.packetsOut).toBe(5);
    expect(b.phone.received).toHaveLength(5);
  });

  it("fans one leg out to several peers (supervisor) and unjoins all when an endpoint closes", async () => {
    const caller = await leg();
    const agent = await leg();
    const supervisor = await leg();
    const bridge = new MediaBridge();
    bridge.join(caller.endpoint, agent.endpoint);
    bridge.join(caller.endpoint, supervisor.endpoint, "a-to-b");
    bridge.join(agent.endpoint, supervisor.endpoint, "a-to-b");
    const tapped: Buffer[] = [];
    bridge.addTap(caller.endpoint, (packet) => tapped.push(packet));

    await talk(caller.phone, caller.endpoint, 1, 5);
    await talk(agent.phone, agent.endpoint, 2, 5);
    await talk(supervisor.phone, supervisor.endpoint, 3, 5);
    await waitFor(
      () =>
        supervisor.phone.received.length === 10 &&
        agent.phone.received.length === 5 &&
        caller.phone.received.length === 5 &&
        supervisor.endpoint.stats.packetsIn === 5,
    );
    // Everything was handled and the caller was sent only the agent's five packets.
    expect(caller.endpoint.stats.packetsOut).toBe(5);
    expect(caller.phone.received.map((p) => p.readUInt32BE(8))).toEqual([2, 2, 2, 2, 2]);
    expect(new Set(supervisor.phone.received.map((p) => p.readUInt32BE(8)))).toEqual(new Set([1, 2]));

    caller.endpoint.close();
    expect(bridge.peersOf(caller.endpoint)).toEqual([]);
    expect(bridge.peersOf(agent.endpoint)).toEqual([supervisor.endpoint]);
    expect(bridge.peersOf(supervisor.endpoint)).toEqual([agent.endpoint]);
    expect(caller.endpoint.listenerCount("closed")).toBe(0);

    bridge.unjoinAll(agent.endpoint);
    expect(bridge.peersOf(supervisor.endpoint)).toEqual([]);
    expect(agent.endpoint.listenerCount("closed")).toBe(0);
  });

  it("refuses to join an endpoint to itself", async () => {
    const a = await leg();
    expect(() => new MediaBridge().join(a.endpoint, a.endpoint)).toThrow();
  });
});
