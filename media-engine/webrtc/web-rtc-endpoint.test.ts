import { afterEach, describe, expect, it } from "vitest";
import { elapse, quietFor, waitFor } from "../../common/test-support/waiting";
import { parseRtpHeader, serializeRtpPacket } from "../../protocol/rtp";
import { MediaBridge } from "../rtp/media-bridge";
import { PortPool } from "../rtp";
import { RtpEndpoint } from "../rtp/rtp-endpoint";
import { g711Packet, sendBurst, UdpPhone } from "../rtp/test-support/udp-phone";
import { BrowserPeer, type BrowserCodec } from "./test-support/browser-peer";
import { WebRtcEndpoint } from "./web-rtc-endpoint";
import { WebRtcNegotiationError } from "./web-rtc-negotiation-error";

const pool = new PortPool(42500, 42999);
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpoint(inactivityTimeoutMs = 0): Promise<WebRtcEndpoint> {
  const created = await WebRtcEndpoint.create({
    bindHost: "127.0.0.1",
    publicAddress: "127.0.0.1",
    portRange: [43000, 43999],
    inactivityTimeoutMs,
  });
  cleanups.push(() => created.close());
  return created;
}

function browser(codecs?: BrowserCodec[]): BrowserPeer {
  const peer = BrowserPeer.create(codecs);
  cleanups.push(() => peer.close());
  return peer;
}

/** A browser leg that has completed ICE and DTLS with a WebRtcEndpoint. */
async function connectedLeg(codecs?: BrowserCodec[]): Promise<{ web: WebRtcEndpoint; peer: BrowserPeer }> {
  const web = await endpoint();
  const peer = browser(codecs);
  const { answerSdp } = await web.acceptOffer(await peer.createOffer());
  await peer.setAnswer(answerSdp);
  await peer.connected();
  await waitFor(() => web.connectionState === "connected", 10_000, "endpoint connected");
  return { web, peer };
}

/** A plain RTP leg and the UDP phone behind it. */
async function phoneLeg(): Promise<{ rtp: RtpEndpoint; phone: UdpPhone }> {
  const rtp = await RtpEndpoint.create({ bindHost: "127.0.0.1", portPool: pool, inactivityTimeoutMs: 0 });
  const phone = await UdpPhone.open();
  cleanups.push(
    () => rtp.close(),
    () => phone.close(),
  );
  rtp.setRemote("127.0.0.1", phone.port);
  return { rtp, phone };
}

const phoneTalks = (phone: UdpPhone, rtp: RtpEndpoint, count: number, ssrc = 0x1234, firstSeq = 0) =>
  sendBurst(phone, rtp.localPort, { count, ssrc, firstSeq, restMs: 2 });

const payloadOf = (packet: Buffer): Buffer => packet.subarray(parseRtpHeader(packet).payloadOffset);

describe("WebRtcEndpoint with a werift browser", () => {
  it("relays 50 G.711 packets each way between the browser and a plain RTP phone", async () => {
    const { web, peer } = await connectedLeg();
    expect(web.negotiatedCodec).toEqual({ payloadType: 0, encoding: "PCMU", clockRate: 8000 });
    const { rtp, phone } = await phoneLeg();
    new MediaBridge().join(web, rtp);

    const fromPhone = await phoneTalks(phone, rtp, 50);
    await waitFor(() => peer.received.length >= 50, 5000, "browser receives 50");
    expect(peer.received.map((p) => p.payload)).toEqual(fromPhone.map(payloadOf));
    expect(peer.received[0]!.header.payloadType).toBe(0);
    // Sequence numbers and timestamps pass through as the phone sent them.
    expect(peer.received.map((p) => p.header.sequenceNumber)).toEqual(fromPhone.map((_, i) => i));
    expect(peer.received[49]!.header.timestamp).toBe(49 * 160);

    const fromBrowser: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const packet = g711Packet(0xb0b, i);
      fromBrowser.push(packet);
      await peer.send(packet);
      if (i % 10 === 9) await elapse(2, "socket buffers drain between bursts of ten");
    }
    await waitFor(() => phone.received.length >= 50, 5000, "phone receives 50");
    expect(phone.received.map(payloadOf)).toEqual(fromBrowser.map(payloadOf));
    expect(parseRtpHeader(phone.received[0]!).payloadType).toBe(0);
    expect(web.stats).toMatchObject({ packetsIn: 50, packetsOut: 50, lost: 0, packetsDropped: 0 });
    expect(web.stats.bytesIn).toBe(50 * 172);
  });

  it("sends with the SSRC its answer announced and keeps the stream continuous across a source change", async () => {
    const { web, peer } = await connectedLeg(["PCMA", "PCMU"]);
    expect(web.negotiatedCodec?.encoding).toBe("PCMA");
    const answeredSsrc = Number(/a=ssrc:(\d+)/.exec(peer.pc.remoteDescription!.sdp)![1]);
    const pcma = (ssrc: number, seq: number): Buffer =>
      serializeRtpPacket({
        marker: false,
        payloadType: 8,
        sequenceNumber: seq,
        timestamp: seq * 160,
        ssrc,
        csrcs: [],
        extension: false,
        payload: Buffer.alloc(160, seq),
      });
    for (let i = 0; i < 5; i++) web.sendRtp(pcma(1, 1000 + i));
    for (let i = 0; i < 5; i++) web.sendRtp(pcma(2, 7 + i));
    await waitFor(() => peer.received.length >= 10, 5000, "10 packets");
    expect(new Set(peer.received.map((p) => p.header.ssrc))).toEqual(new Set([answeredSsrc]));
    expect(peer.received.map((p) => p.header.sequenceNumber)).toEqual(
      Array.from({ length: 10 }, (_, i) => 1000 + i),
    );
    expect(peer.received.map((p) => p.header.payloadType)).toEqual(Array(10).fill(8));
  });

  it("renumbers telephone-event to the browser's payload type and drops codecs it did not negotiate", async () => {
    const { web, peer } = await connectedLeg();
    web.setRelayPayloadTypes({ telephoneEvent: 101 });
    const event = (seq: number, payloadType: number): Buffer =>
      serializeRtpPacket({
        marker: false,
        payloadType,
        sequenceNumber: seq,
        timestamp: 0,
        ssrc: 5,
        csrcs: [],
        extension: false,
        payload: Buffer.from([1, 10, 0, 160]),
      });
    web.sendRtp(event(1, 101));
    web.sendRtp(event(2, 8)); // PCMA toward a PCMU browser would be noise
    web.sendRtp(event(3, 13));
    await waitFor(() => peer.received.length >= 1, 5000, "event");
    await quietFor(50, "the two events not sent do not arrive late");
    expect(peer.received.map((p) => p.header.payloadType)).toEqual([126]);
    expect(web.stats.packetsNotSent).toBe(2);
  });

  it("answers opus,PCMU,PCMA with PCMU and telephone-event only", async () => {
    const web = await endpoint();
    const peer = browser(["opus", "PCMU", "PCMA", "telephone-event"]);
    const offer = await peer.createOffer();
    expect(offer).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111 0 8 126/);
    const { answerSdp, codec } = await web.acceptOffer(offer);
    expect(codec).toEqual({ payloadType: 0, encoding: "PCMU", clockRate: 8000 });
    expect(answerSdp).toMatch(/^m=audio [1-9]\d* UDP\/TLS\/RTP\/SAVPF 0 126\r?$/m);
    expect(answerSdp).not.toMatch(/opus|PCMA/);
    await peer.setAnswer(answerSdp);
    await peer.connected();
  });

  it("forces PCMA when asked even if the browser lists PCMU first", async () => {
    const web = await endpoint();
    const peer = browser();
    const { answerSdp, codec } = await web.acceptOffer(await peer.createOffer(), {
      preferCodec: "PCMA/8000",
    });
    expect(codec).toEqual({ payloadType: 8, encoding: "PCMA", clockRate: 8000 });
    expect(answerSdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 8 126\r?$/m);
  });

  it("rejects an offer without G.711", async () => {
    const web = await endpoint();
    const peer = browser(["opus"]);
    await expect(web.acceptOffer(await peer.createOffer())).rejects.toBeInstanceOf(WebRtcNegotiationError);
    await expect(web.acceptOffer(await peer.createOffer(), { preferCodec: "PCMA/8000" })).rejects.toThrow(
      /PCMA/,
    );
  });

  it("stops sending to the browser on hold (sendonly re-offer) and resumes on sendrecv", async () => {
    const { web, peer } = await connectedLeg();
    const { rtp, phone } = await phoneLeg();
    new MediaBridge().join(web, rtp);
    const firstAnswer = peer.pc.remoteDescription!.sdp;

    peer.transceiver.setDirection("sendonly");
    const hold = await web.updateOffer(await peer.createOffer());
    expect(hold.answerSdp).toMatch(/a=recvonly/);
    // Same ICE and DTLS: no restart was asked for.
    expect(/a=ice-ufrag:(\S+)/.exec(hold.answerSdp)![1]).toBe(/a=ice-ufrag:(\S+)/.exec(firstAnswer)![1]);
    expect(/a=fingerprint:(.+)/.exec(hold.answerSdp)![1]).toBe(/a=fingerprint:(.+)/.exec(firstAnswer)![1]);
    const firstVersion = Number(/^o=\S+ \S+ (\d+)/m.exec(firstAnswer)![1]);
    expect(Number(/^o=\S+ \S+ (\d+)/m.exec(hold.answerSdp)![1])).toBe(firstVersion + 1);
    await peer.setAnswer(hold.answerSdp);

    await phoneTalks(phone, rtp, 10);
    await waitFor(() => web.stats.packetsNotSent >= 10, 5000, "held packets");
    await quietFor(50, "nothing reaches the browser on hold");
    expect(peer.received).toHaveLength(0);
    // The browser on hold still speaks (music on hold), and the phone still hears it.
    await peer.send(g711Packet(9, 0));
    await waitFor(() => phone.received.length === 1, 5000, "browser on hold heard");

    peer.transceiver.setDirection("sendrecv");
    const resume = await web.updateOffer(await peer.createOffer());
    expect(resume.answerSdp).toMatch(/a=sendrecv/);
    await peer.setAnswer(resume.answerSdp);
    await phoneTalks(phone, rtp, 10, 0x1234, 10);
    await waitFor(() => peer.received.length >= 10, 5000, "resumed");
  });

  it("answers an ICE restart in a re-offer with new ICE credentials and a fresh host candidate", async () => {
    // Only the negotiation is checked: between two werift peers media does not resume after an
    // ICE restart (see README), so the werift "browser" cannot vouch for the media path here.
    const { web, peer } = await connectedLeg();
    const ufrag = (sdp: string): string => /a=ice-ufrag:(\S+)/.exec(sdp)![1]!;
    const before = ufrag(peer.pc.remoteDescription!.sdp);
    const offer = await peer.createOffer({ iceRestart: true });
    expect(ufrag(offer)).not.toBe(ufrag(peer.pc.currentLocalDescription!.sdp));
    const { answerSdp } = await web.updateOffer(offer);
    expect(ufrag(answerSdp)).not.toBe(before);
    expect(answerSdp).toMatch(new RegExp(`a=candidate:.* typ host .*ufrag ${ufrag(answerSdp)}`));
    expect(answerSdp).toMatch(/a=end-of-candidates/);
    await peer.setAnswer(answerSdp);
  });

  it("neither sends nor passes on media for an inactive re-offer", async () => {
    const { web, peer } = await connectedLeg();
    const heard: Buffer[] = [];
    web.onRtp((packet) => heard.push(packet));
    peer.transceiver.setDirection("inactive");
    const { answerSdp } = await web.updateOffer(await peer.createOffer());
    expect(answerSdp).toMatch(/a=inactive/);
    await peer.setAnswer(answerSdp);
    web.sendRtp(g711Packet(1, 0));
    expect(web.stats.packetsNotSent).toBe(1);
    expect(web.stats.packetsOut).toBe(0);
    expect(heard).toHaveLength(0);
  });

  it("drops (and counts) packets sent before DTLS is up instead of throwing", async () => {
    const web = await endpoint();
    expect(() => web.sendRtp(g711Packet(1, 0))).not.toThrow();
    const peer = browser();
    await web.acceptOffer(await peer.createOffer());
    expect(() => web.sendRtp(g711Packet(1, 1))).not.toThrow();
    expect(web.stats).toMatchObject({ packetsOut: 0, packetsNotSent: 2 });
  });

  it("reports inactivity once when the browser stays silent", async () => {
    const web = await WebRtcEndpoint.create({
      bindHost: "127.0.0.1",
      publicAddress: "127.0.0.1",
      inactivityTimeoutMs: 100,
    });
    cleanups.push(() => web.close());
    let inactive = 0;
    web.on("inactive", () => inactive++);
    await waitFor(() => inactive === 1, 2000, "inactive");
    await quietFor(250, "inactivity is reported once");
    expect(inactive).toBe(1);
  });

  it("closes idempotently, emitting 'closed' once and closing the peer connection", async () => {
    const { web, peer } = await connectedLeg();
    let closed = 0;
    web.on("closed", () => closed++);
    web.close();
    web.close();
    expect(closed).toBe(1);
    await waitFor(() => web.connectionState === "closed", 5000, "werift peer connection closed");
    expect(peer.pc.connectionState).toBe("connected"); // without a BYE-like DTLS alert the browser learns it from SIP
    expect(() => web.sendRtp(g711Packet(1, 0))).not.toThrow();
    await expect(web.updateOffer("v=0")).rejects.toThrow(/closed/);
  });
});
