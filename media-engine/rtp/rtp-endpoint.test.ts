import dgram from "node:dgram";
import { quietFor, waitFor } from "../../common/test-support/waiting";
import { afterEach, describe, expect, it } from "vitest";
import { PortPool } from "../../common/rtp-port-pool";
import { RtpEndpoint, type RtpEndpointOptions } from "./rtp-endpoint";
import { g711Packet, UdpPhone } from "./test-support/udp-phone";

const pool = new PortPool(41100, 41499);
const endpoints: RtpEndpoint[] = [];
const phones: UdpPhone[] = [];

afterEach(() => {
  for (const endpoint of endpoints.splice(0)) endpoint.close();
  for (const phone of phones.splice(0)) phone.close();
});

async function endpoint(options: Partial<RtpEndpointOptions> = {}): Promise<RtpEndpoint> {
  const created = await RtpEndpoint.create({
    bindHost: "127.0.0.1",
    portPool: pool,
    inactivityTimeoutMs: 0,
    ...options,
  });
  endpoints.push(created);
  return created;
}

async function phone(): Promise<UdpPhone> {
  const opened = await UdpPhone.open();
  phones.push(opened);
  return opened;
}

function collect(ep: RtpEndpoint): Buffer[] {
  const packets: Buffer[] = [];
  ep.onRtp((packet) => packets.push(Buffer.from(packet)));
  return packets;
}

/** RTCP receiver report with no report blocks (RFC 3550 §6.4.2): V=2, PT=201, length 1 word. */
const rtcpReceiverReport = () => Buffer.from([0x80, 201, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78]);

describe("RtpEndpoint", () => {
  it("delivers RTP from the remote and sends back to it, counting both ways", async () => {
    const ep = await endpoint();
    const remote = await phone();
    const received = collect(ep);
    ep.setRemote("127.0.0.1", remote.port);
    for (let seq = 0; seq < 5; seq++) await remote.send(g711Packet(7, seq), ep.localPort);
    await waitFor(() => received.length === 5, 2000, "5 packets");
    expect(received.map((p) => p.readUInt16BE(2))).toEqual([0, 1, 2, 3, 4]);
    ep.sendRtp(g711Packet(9, 0));
    await waitFor(() => remote.received.length === 1, 2000, "packet at the phone");
    expect(remote.senders[0]).toEqual({ address: "127.0.0.1", port: ep.localPort });
    expect(ep.stats).toMatchObject({ packetsIn: 5, bytesIn: 5 * 172, packetsOut: 1, bytesOut: 172, lost: 0 });
    expect(ep.stats.lastPacketAt).toBeGreaterThan(Date.now() - 5000);
    expect(ep.localRtcpPort).toBe(ep.localPort + 1);
  });

  it("drops packets that arrive before any remote is known, and does not send", async () => {
    const ep = await endpoint();
    const stranger = await phone();
    const received = collect(ep);
    await stranger.send(g711Packet(1, 0), ep.localPort);
    await waitFor(() => ep.stats.packetsDropped === 1, 2000, "drop");
    ep.sendRtp(g711Packet(2, 0));
    expect(received).toHaveLength(0);
    expect(ep.stats.packetsOut).toBe(0);
  });

  it("latches to the first source after setRemote (NAT) and drops other sources afterwards", async () => {
    const ep = await endpoint();
    const sdpAddress = await phone(); // what the SDP said; never sends, as behind NAT
    const natted = await phone(); // where the packets really come from
    const intruder = await phone();
    const received = collect(ep);
    ep.setRemote("127.0.0.1", sdpAddress.port);
    await natted.send(g711Packet(1, 0), ep.localPort);
    await waitFor(() => received.length === 1, 2000, "latched packet");
    expect(ep.stats.remote).toEqual({ address: "127.0.0.1", port: natted.port });

    ep.sendRtp(g711Packet(2, 0));
    await waitFor(() => natted.received.length === 1, 2000, "reply through the NAT");
    expect(sdpAddress.received).toHaveLength(0);

    await intruder.send(g711Packet(3, 0), ep.localPort);
    await waitFor(() => ep.stats.packetsDropped === 1, 2000, "intruder dropped");
    expect(received).toHaveLength(1);
    expect(ep.stats.remote).toEqual({ address: "127.0.0.1", port: natted.port });

    // A new SDP (re-INVITE) allows one new latch.
    ep.setRemote("127.0.0.1", sdpAddress.port);
    await intruder.send(g711Packet(3, 1), ep.localPort);
    await waitFor(() => received.length === 2, 2000, "re-latched packet");
    expect(ep.stats.remote).toEqual({ address: "127.0.0.1", port: intruder.port });
  });

  it("does not latch away from the SDP address once it has sent", async () => {
    const ep = await endpoint();
    const remote = await phone();
    const other = await phone();
    collect(ep);
    ep.setRemote("127.0.0.1", remote.port);
    await remote.send(g711Packet(1, 0), ep.localPort);
    await waitFor(() => ep.stats.packetsIn === 1);
    await other.send(g711Packet(2, 0), ep.localPort);
    await waitFor(() => ep.stats.packetsDropped === 1);
    expect(ep.stats.remote).toEqual({ address: "127.0.0.1", port: remote.port });
  });

  it("honours the direction: inactive and sendonly drop what arrives, inactive and recvonly send nothing", async () => {
    const ep = await endpoint();
    const remote = await phone();
    const received = collect(ep);
    ep.setRemote("127.0.0.1", remote.port);

    ep.setDirection("inactive");
    await remote.send(g711Packet(1, 0), ep.localPort);
    ep.sendRtp(g711Packet(2, 0));
    await waitFor(() => ep.stats.packetsDropped === 1);

    ep.setDirection("sendonly");
    await remote.send(g711Packet(1, 1), ep.localPort);
    ep.sendRtp(g711Packet(2, 1));
    await waitFor(() => ep.stats.packetsDropped === 2 && remote.received.length === 1);

    ep.setDirection("recvonly");
    await remote.send(g711Packet(1, 2), ep.localPort);
    ep.sendRtp(g711Packet(2, 2));
    await waitFor(() => received.length === 1);

    ep.setDirection("sendrecv");
    await remote.send(g711Packet(1, 3), ep.localPort);
    ep.sendRtp(g711Packet(2, 3));
    await waitFor(() => received.length === 2 && remote.received.length === 2);

    expect(remote.received.map((p) => p.readUInt16BE(2))).toEqual([1, 3]);
    expect(received.map((p) => p.readUInt16BE(2))).toEqual([2, 3]);
    expect(ep.stats).toMatchObject({ packetsIn: 2, packetsOut: 2, packetsDropped: 2 });
  });

  it("counts garbage and non-RTP datagrams as dropped and keeps working", async () => {
    const ep = await endpoint();
    const remote = await phone();
    const received = collect(ep);
    ep.setRemote("127.0.0.1", remote.port);
    const v1 = g711Packet(1, 0);
    v1[0] = 0x40;
    const garbage = [
      Buffer.alloc(0),
      Buffer.from("hello"),
      Buffer.from("INVITE sip:bob@example.com SIP/2.0\r\n\r\n"),
      Buffer.alloc(11, 0x80),
      v1,
      rtcpReceiverReport(), // RTCP on the RTP port without rtcp-mux
      Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)),
    ];
    for (const datagram of garbage) await remote.send(datagram, ep.localPort);
    await waitFor(() => ep.stats.packetsDropped === garbage.length, 2000, "all garbage dropped");
    await remote.send(g711Packet(1, 1), ep.localPort);
    await waitFor(() => received.length === 1, 2000, "valid packet after garbage");
    expect(ep.stats.packetsIn).toBe(1);
  });

  it("receives RTCP on the odd port without rtcp-mux", async () => {
    const ep = await endpoint();
    const remote = await phone();
    const rtcp: Buffer[] = [];
    ep.onRtcp((packet) => rtcp.push(Buffer.from(packet)));
    ep.setRemote("127.0.0.1", remote.port);
    await remote.send(rtcpReceiverReport(), ep.localRtcpPort!);
    await waitFor(() => rtcp.length === 1, 2000, "RTCP");
    expect(rtcp[0]).toEqual(rtcpReceiverReport());
  });

  it("with rtcp-mux, binds one port and tells RTCP from RTP on it", async () => {
    const ep = await endpoint({ rtcpMux: true });
    expect(ep.localRtcpPort).toBeUndefined();
    const remote = await phone();
    const rtp = collect(ep);
    const rtcp: Buffer[] = [];
    ep.onRtcp((packet) => rtcp.push(Buffer.from(packet)));
    ep.setRemote("127.0.0.1", remote.port);
    // Octet 201 would read as RTP payload type 73 with the marker bit, a type RFC 5761 leaves to RTCP.
    await remote.send(rtcpReceiverReport(), ep.localPort);
    await remote.send(g711Packet(1, 0), ep.localPort);
    await waitFor(() => rtcp.length === 1 && rtp.length === 1);
    expect(ep.stats).toMatchObject({ packetsIn: 1, packetsDropped: 0 });
  });

  it("computes loss per RFC 3550 A.3 and keeps it cumulative across an SSRC change", async () => {
    const ep = await endpoint();
    const remote = await phone();
    collect(ep);
    ep.setRemote("127.0.0.1", remote.port);
    for (const seq of [10, 11, 12, 14, 15]) await remote.send(g711Packet(1, seq), ep.localPort);
    await waitFor(() => ep.stats.packetsIn === 5);
    expect(ep.stats.lost).toBe(1);
    for (const seq of [500, 501, 502, 505]) await remote.send(g711Packet(2, seq), ep.localPort);
    await waitFor(() => ep.stats.packetsIn === 9);
    expect(ep.stats.lost).toBe(3);
    expect(ep.stats.jitterMs).toBeGreaterThanOrEqual(0);
  });

  it("reports inactivity once after the timeout and again only after packets resumed", async () => {
    const ep = await endpoint({ inactivityTimeoutMs: 300 });
    const remote = await phone();
    collect(ep);
    let inactive = 0;
    ep.on("inactive", () => inactive++);
    ep.setRemote("127.0.0.1", remote.port);
    await waitFor(() => inactive === 1, 2000, "first inactive");
    await quietFor(500, "no second inactivity report while still silent");
    expect(inactive).toBe(1);
    await remote.send(g711Packet(1, 0), ep.localPort);
    await waitFor(() => ep.stats.packetsIn === 1);
    await quietFor(150, "a packet resets the inactivity timer: no report yet");
    expect(inactive).toBe(1);
    await waitFor(() => inactive === 2, 2000, "second inactive");
  });

  it("does not report inactivity while the direction forbids receiving", async () => {
    const ep = await endpoint({ inactivityTimeoutMs: 100 });
    let inactive = 0;
    ep.on("inactive", () => inactive++);
    ep.setDirection("sendonly");
    await quietFor(400, "no inactivity report while sendonly");
    expect(inactive).toBe(0);
    ep.setDirection("sendrecv");
    await waitFor(() => inactive === 1, 2000, "inactive after switching to sendrecv");
  });

  it("close is idempotent, emits 'closed' once and frees both ports", async () => {
    const ep = await endpoint();
    const { localPort } = ep;
    const before = pool.inUse;
    let closed = 0;
    ep.on("closed", () => closed++);
    ep.close();
    ep.close();
    expect(closed).toBe(1);
    expect(pool.inUse).toBe(before - 2);
    ep.sendRtp(g711Packet(1, 0));
    await quietFor(20, "a send after close raises nothing");
    for (const port of [localPort, localPort + 1]) {
      const socket = dgram.createSocket("udp4");
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(port, "127.0.0.1", resolve);
      });
      socket.close();
    }
  });

  it("keeps delivering to other listeners when one throws", async () => {
    const ep = await endpoint();
    const remote = await phone();
    const errors: unknown[] = [];
    ep.on("error", (error) => errors.push(error));
    ep.onRtp(() => {
      throw new Error("faulty listener");
    });
    const received = collect(ep);
    const unsubscribe = ep.onRtp(() => {});
    unsubscribe();
    ep.setRemote("127.0.0.1", remote.port);
    await remote.send(g711Packet(1, 0), ep.localPort);
    await waitFor(() => received.length === 1);
    expect(errors).toHaveLength(1);
  });
});
