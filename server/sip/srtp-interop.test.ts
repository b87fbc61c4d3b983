import { type ChildProcess, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodePcma, serializeRtpPacket } from "../../protocol/rtp";
import { dominantFrequency, readWav, tone } from "../../recorder/test-support/audio-analysis";
import { waitFor } from "../../common/test-support/waiting";
import { baresipAvailable, startBaresip } from "../test-support/baresip";
import { writeRtpPcap } from "../test-support/rtp-pcap";
import { registeredAgent } from "../test-support/registered-agent";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { sipp, sippArgs, startCapture, stopCapture } from "../test-support/sipp";
import {
  decodePcmaTrack,
  isRtcp,
  readSrtpLeg,
  rms,
  sdpOf,
  sipMessages,
  type SrtpLeg,
  udpDatagrams,
} from "../test-support/srtp-capture";
import { useTestStack } from "../test-support/stack-fixture";

// Issue 15 §2 with a real SDES-SRTP peer: baresip (its srtp module, libre's own SRTP stack) as
// an extension whose DN requires media encryption, called from SIPp as the PSTN trunk through the
// whole stack (SIP Server, media engine, lab recorder), the call recorded. What crossed the wire
// on baresip's leg is read back from a tshark capture: every RTP packet authenticates with the
// key its sender announced in the SDP, none carries the audio in clear, and the audio each party
// played is what the other party (and the recording) heard.
const ports = {
  http: 34080,
  sip: 34060,
  mediaSip: 34070,
  mediaHttp: 34071,
  recorderSip: 34075,
  recorderHttp: 34076,
  rtpMin: 34200,
  rtpMax: 34399,
};
const RECORDER_RTP = { min: 34600, max: 34699 };
/** SIPp as the trunk "pstn" (its peer is moved here), and its RTP port. */
const TRUNK_SIP = 34062;
/** SIPp takes the 3 ports above it too (RTCP, video RTP and RTCP). */
const TRUNK_MEDIA = 34090;
/** baresip: its SIP port and RTP range. */
const BARESIP_SIP = 34066;
const BARESIP_RTP = { min: 34500, max: 34519 };
const SCENARIOS = path.join(import.meta.dirname, "__scenarios__");
/** What each party plays: the trunk's customer 1000 Hz, baresip's agent 440 Hz. */
const TRUNK_HZ = 1000;
const BARESIP_HZ = 440;
/** How many packets at the end of a stream a capture may lack (see expectSameUpToTheEnd). */
const END_SLACK = 2;
/** baresip as the trunk's caller: its SIP port (the trunk's peer) and RTP range; the agent's media. */
const CALLER_SIP = 34068;
const CALLER_RTP = { min: 34520, max: 34539 };
const AGENT_MEDIA = 34100;
const CANDIDATES = [BARESIP_HZ, TRUNK_HZ, 300, 2000];
const hex = (b: Buffer) => b.toString("hex");

const missing = baresipAvailable();
if (missing !== undefined) console.log(`srtp-interop.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)("SDES-SRTP with baresip (mediaenc srtp-mand), a real peer", () => {
  const fixture = useTestStack(ports, {
    RECORDER_RTP_PORT_MIN: String(RECORDER_RTP.min),
    RECORDER_RTP_PORT_MAX: String(RECORDER_RTP.max),
  });
  const { closers, trpc } = fixture;
  const server = `127.0.0.1:${ports.sip}`;

  /** 1002's Contact is baresip's (baresip 1.0 cannot answer the SHA-256-first challenge itself). */
  async function registerBaresipAs1002(expires: number): Promise<void> {
    const registrar = await SipTestPhone.start();
    try {
      const response = await registrar.register({
        server,
        user: "1002",
        password: "demo-1002",
        contact: `<sip:1002@127.0.0.1:${BARESIP_SIP}>`,
        expires,
      });
      expect(response.status).toBe(200);
    } finally {
      await registrar.close();
    }
  }

  /** A 16-bit 8 kHz mono WAV of a sine (baresip's microphone). */
  function sineWav(file: string, hz: number): string {
    execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", file, "synth", "30", "sine", String(hz)]);
    return file;
  }

  /** SIPp as the trunk: calls `number` offering PCMA, plays `pcap` (8 s of a tone), hangs up at 9 s. */
  function trunkCalls(number: string, pcap: string) {
    const dir = fixture.stack.dir;
    const scenario = path.join(dir, "trunk-uac-tone.xml");
    fs.writeFileSync(
      scenario,
      fs
        .readFileSync(path.join(SCENARIOS, "trunk-uac-pcma.xml"), "utf8")
        .replace("/usr/share/sip-tester/g711a.pcap", pcap),
    );
    const errors = path.join(dir, `trunk-${number}-errors.log`);
    return sipp(
      sippArgs({
        remote: server,
        scenario,
        service: number,
        port: TRUNK_SIP,
        mediaPort: TRUNK_MEDIA,
        timeout: "30s",
        errorFile: errors,
      }),
    ).then((run) => ({
      ...run,
      output: `${run.output}\n${fs.existsSync(errors) ? fs.readFileSync(errors, "utf8") : ""}`,
    }));
  }

  /** 8 s of a PCMA tone in 20 ms RTP packets, as a pcap SIPp replays; returns its payloads. */
  function tonePcap(file: string, hz: number): Buffer[] {
    const packets = Array.from({ length: 400 }, (_, n) => ({
      atMs: n * 20,
      rtp: serializeRtpPacket({
        marker: n === 0,
        payloadType: 8,
        sequenceNumber: 2000 + n,
        timestamp: n * 160,
        ssrc: 0x7a7a0001,
        csrcs: [],
        extension: false,
        payload: encodePcma(tone(hz, 160, n * 160, 3000)),
      }),
    }));
    writeRtpPcap(file, packets);
    return packets.map(({ rtp }) => rtp.subarray(12));
  }

  /**
   * Two ends of one stream read from one capture agree packet for packet, except for the last
   * END_SLACK at most: the leg closes while baresip's last packets are in flight (they are not
   * relayed after the BYE), and tshark, stopped after the call, may not have read the last ones.
   */
  function expectSameUpToTheEnd(received: string[], sent: string[]): void {
    const both = Math.min(received.length, sent.length);
    expect(received.slice(0, both)).toEqual(sent.slice(0, both));
    expect(Math.abs(received.length - sent.length)).toBeLessThanOrEqual(END_SLACK);
  }

  /**
   * What an SDES leg must show on the wire: RTP/SAVP with a key each way in the SDP, every RTP
   * datagram SRTP of its sender's key (readSrtpLeg verified each tag) with an 80-bit tag, some
   * audio each way, and no payload of either party in clear anywhere on the leg.
   */
  function expectEncrypted(leg: SrtpLeg): void {
    for (const sdp of [leg.peerSdp, leg.engineSdp]) {
      expect(sdp).toMatch(/^m=audio \d+ RTP\/SAVP 8\b/m);
      expect(sdp).toMatch(/^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m);
    }
    // Each direction has a key of its own (RFC 4568 §6.1), drawn by its sender.
    expect(/inline:(\S+)/.exec(leg.peerSdp)![1]).not.toBe(/inline:(\S+)/.exec(leg.engineSdp)![1]);
    expect(leg.pinholes).toBeLessThanOrEqual(1);
    expect(leg.closingByesInClear).toBeLessThanOrEqual(1);
    expect(leg.heardByPeer.length).toBeGreaterThan(100);
    expect(leg.saidByPeer.length).toBeGreaterThan(100);
    const plain = new Set([...leg.heardByPeer, ...leg.saidByPeer].map(hex));
    const inClear = [...leg.toPeer, ...leg.fromPeer].filter((d) => plain.has(hex(d.subarray(12, 12 + 160))));
    expect(inClear).toHaveLength(0);
    // Each RTP datagram is its 12-byte header, 160 bytes of ciphertext and the 10-byte tag.
    const lengths = new Set([...leg.toPeer, ...leg.fromPeer].filter((d) => !isRtcp(d)).map((d) => d.length));
    expect([...lengths]).toEqual([12 + 160 + 10]);
  }

  it(
    "baresip as extension 1002 (encryption required) answers a recorded trunk call: SRTP both ways, audio heard both ways and recorded",
    { timeout: 90_000 },
    async () => {
      const dir = fixture.stack.dir;
      await trpc("dn.set", { number: "pstn", type: "trunk", peer: `127.0.0.1:${TRUNK_SIP}`, record: true });
      await trpc("dn.set", { number: "1002", type: "extension", mediaEncryption: "required" });
      const trunkSent = tonePcap(path.join(dir, "trunk-tone.pcap"), TRUNK_HZ);
      await registerBaresipAs1002(300);
      const baresip = await startBaresip({
        sipPort: BARESIP_SIP,
        rtp: BARESIP_RTP,
        account: `<sip:1002@${server}>;auth_pass=demo-1002;answermode=auto;regint=0;audio_codecs=PCMA;mediaenc=srtp-mand`,
        microphone: sineWav(path.join(dir, "agent.wav"), BARESIP_HZ),
        srtp: true,
      });
      closers.push(() => baresip.stop());
      const captureFile = path.join(dir, "srtp-leg.pcapng");
      let capture: ChildProcess | undefined = await startCapture({
        iface: "lo",
        filter: `udp port ${BARESIP_SIP} or udp portrange ${BARESIP_RTP.min}-${BARESIP_RTP.max + 1} or udp dst port ${TRUNK_MEDIA}`,
        file: captureFile,
      });
      closers.push(() => (capture === undefined ? undefined : stopCapture(capture)));

      const trunk = await trunkCalls("1002", path.join(dir, "trunk-tone.pcap"));
      expect(trunk.code, `trunk: ${trunk.output}\nbaresip:\n${baresip.said()}`).toBe(0);
      await baresip.waitFor(/terminated/);
      expect(baresip.said()).toMatch(/SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
      await stopCapture(capture);
      capture = undefined;
      await baresip.stop();

      // The signalling on baresip's leg: late offer (the server's INVITE has no SDP), baresip's
      // offer in its 200, the media engine's answer in the ACK.
      const invite = sipMessages(captureFile, BARESIP_SIP).find((m) => m.text.startsWith("INVITE "));
      expect(invite).toBeDefined();
      expect(sdpOf(invite!.text)).toBeUndefined();
      const leg = readSrtpLeg(captureFile, { sipPort: BARESIP_SIP, rtp: BARESIP_RTP });
      expectEncrypted(leg);
      // The engine relays without transcoding: baresip got the trunk's every payload, in order.
      expect(leg.heardByPeer.map(hex)).toEqual(trunkSent.map(hex));

      // What baresip said reached the trunk in clear (decrypted by the engine): its 440 Hz.
      const trunkHeard = udpDatagrams(captureFile, `udp.dstport == ${TRUNK_MEDIA}`)
        .map((d) => d.payload)
        .filter((d) => !isRtcp(d))
        .map((d) => d.subarray(12));
      expectSameUpToTheEnd(trunkHeard.map(hex), leg.saidByPeer.map(hex));
      const atTrunk = decodePcmaTrack(trunkHeard);
      expect(rms(atTrunk)).toBeGreaterThan(1000);
      expect(dominantFrequency(atTrunk, CANDIDATES, 8000)).toBe(BARESIP_HZ);
      // What the trunk played, baresip decrypted and decoded (sndfile's dump of its speaker).
      const [dumped] = baresip.dumps("dec");
      expect(dumped, fs.readdirSync(baresip.dir).join(", ")).toBeDefined();
      const atBaresip = readWav(dumped!).samples[0]!;
      expect(rms(atBaresip)).toBeGreaterThan(1000);
      expect(dominantFrequency(atBaresip, CANDIDATES, 8000)).toBe(TRUNK_HZ);

      // The lab recorder's WAV: one channel per party, each the tone that party played.
      const recordings = path.join(dir, "recordings");
      const wav = await waitFor(
        () =>
          fs
            .readdirSync(recordings)
            .filter((f) => f.endsWith(".json"))
            .some(
              (f) =>
                (JSON.parse(fs.readFileSync(path.join(recordings, f), "utf8")) as { state: string }).state ===
                "finished",
            ),
        10_000,
        "the recording to finish",
      ).then(() => {
        const json = fs.readdirSync(recordings).find((f) => f.endsWith(".json"))!;
        return readWav(path.join(recordings, json.replace(/\.json$/, ".wav")));
      });
      const tones = wav.samples
        .map((channel) => dominantFrequency(channel, CANDIDATES, 8000))
        .sort((a, b) => a - b);
      expect(tones).toEqual([BARESIP_HZ, TRUNK_HZ]);
    },
  );

  it(
    "baresip as the trunk (encryption required) calls extension 1001: its SDES offer is answered with SRTP, audio both ways",
    { timeout: 60_000 },
    async () => {
      const dir = fixture.stack.dir;
      // baresip is the trunk "pstn" now: a trunk is known by its address and port, no digest.
      await trpc("dn.set", {
        number: "pstn",
        type: "trunk",
        peer: `127.0.0.1:${CALLER_SIP}`,
        record: false,
        mediaEncryption: "required",
      });
      const agent = await registeredAgent(server, "1001", AGENT_MEDIA, closers);
      const agentMedia = await UdpPhone.open(AGENT_MEDIA);
      closers.push(() => agentMedia.close());
      const captureFile = path.join(dir, "srtp-caller-leg.pcapng");
      let capture: ChildProcess | undefined = await startCapture({
        iface: "lo",
        filter: `udp port ${CALLER_SIP} or udp portrange ${CALLER_RTP.min}-${CALLER_RTP.max + 1}`,
        file: captureFile,
      });
      closers.push(() => (capture === undefined ? undefined : stopCapture(capture)));
      const baresip = await startBaresip({
        sipPort: CALLER_SIP,
        rtp: CALLER_RTP,
        account: `<sip:pstn@${server}>;regint=0;audio_codecs=PCMA;mediaenc=srtp-mand`,
        microphone: sineWav(path.join(dir, "customer.wav"), BARESIP_HZ),
        srtp: true,
        commands: [`/dial sip:1001@${server}`],
      });
      closers.push(() => baresip.stop());
      await baresip.waitFor(/Call established/);
      await waitFor(() => agent.remoteMediaPort() !== undefined, 5_000, "the agent's ACK with the answer");
      // The agent answers with 1000 Hz; once baresip's tone has reached it for 4 s, it hangs up.
      const stopTalking = talk(agentMedia, agent.remoteMediaPort()!, {
        hz: TRUNK_HZ,
        codec: "PCMA",
        ssrc: 0x1001,
      });
      closers.push(stopTalking);
      await waitFor(() => agentMedia.received.length >= 200, 15_000, "4 s of baresip's audio at the agent");
      stopTalking();
      await agent.ua.sendInDialog(agent.dialog!, agent.dialog!.createRequest("BYE"));
      await baresip.waitFor(/terminated/);
      expect(baresip.said()).toMatch(/SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)/);
      await stopCapture(capture);
      capture = undefined;
      await baresip.stop();

      // baresip offered in its INVITE; the engine answered in the 200.
      const leg = readSrtpLeg(captureFile, { sipPort: CALLER_SIP, rtp: CALLER_RTP });
      expect(sipMessages(captureFile, CALLER_SIP).find((m) => sdpOf(m.text) === leg.peerSdp)?.text).toMatch(
        /^INVITE /,
      );
      expectEncrypted(leg);
      // The agent (plain RTP, its DN optional) got baresip's payloads, decrypted by the engine.
      const atAgent = agentMedia.received.filter((d) => !isRtcp(d)).map((d) => d.subarray(12));
      const said = new Set(leg.saidByPeer.map(hex));
      // The capture may stop before tshark read baresip's last packet or two (END_SLACK).
      expect(atAgent.slice(0, -END_SLACK).filter((p) => !said.has(hex(p)))).toHaveLength(0);
      expect(dominantFrequency(decodePcmaTrack(atAgent), CANDIDATES, 8000)).toBe(BARESIP_HZ);
      // baresip decrypted the agent's 1000 Hz and played it.
      expect(dominantFrequency(decodePcmaTrack(leg.heardByPeer), CANDIDATES, 8000)).toBe(TRUNK_HZ);
      const atBaresip = readWav(baresip.dumps("dec")[0]!).samples[0]!;
      expect(rms(atBaresip)).toBeGreaterThan(1000);
      expect(dominantFrequency(atBaresip, CANDIDATES, 8000)).toBe(TRUNK_HZ);
    },
  );

  it(
    "a peer without SRTP gets 488: baresip without mediaenc calling as the trunk that requires it",
    { timeout: 30_000 },
    async () => {
      const dir = fixture.stack.dir;
      await trpc("dn.set", {
        number: "pstn",
        type: "trunk",
        peer: `127.0.0.1:${CALLER_SIP}`,
        mediaEncryption: "required",
      });
      await registeredAgent(server, "1001", AGENT_MEDIA + 4, closers);
      const baresip = await startBaresip({
        sipPort: CALLER_SIP,
        rtp: CALLER_RTP,
        account: `<sip:pstn@${server}>;regint=0;audio_codecs=PCMA`,
        microphone: sineWav(path.join(dir, "plain.wav"), BARESIP_HZ),
        srtp: false,
        commands: [`/dial sip:1001@${server}`],
      });
      closers.push(() => baresip.stop());
      await baresip.waitFor(/488 Media encryption required/);
      expect(baresip.said()).not.toMatch(/Call established/);
    },
  );

  it(
    "a callee without SRTP on a DN that requires it: the caller gets 488 and the callee's call is ended",
    { timeout: 30_000 },
    async () => {
      const dir = fixture.stack.dir;
      await trpc("dn.set", {
        number: "pstn",
        type: "trunk",
        peer: `127.0.0.1:${TRUNK_SIP}`,
        mediaEncryption: "optional",
      });
      await trpc("dn.set", { number: "1002", type: "extension", mediaEncryption: "required" });
      await registerBaresipAs1002(300);
      const baresip = await startBaresip({
        sipPort: BARESIP_SIP,
        rtp: BARESIP_RTP,
        account: `<sip:1002@${server}>;auth_pass=demo-1002;answermode=auto;regint=0;audio_codecs=PCMA`,
        microphone: sineWav(path.join(dir, "plain-agent.wav"), BARESIP_HZ),
        srtp: false,
        sipTrace: true,
      });
      closers.push(() => baresip.stop());
      const trunk = await SipTestPhone.start({}, TRUNK_SIP);
      closers.push(() => trunk.close());
      const response = await trunk.invite(server, "1002");
      expect(response.status).toBe(488);
      // baresip's plain offer (in its 200, the INVITE being a late offer) was refused: the server
      // ends its call with a BYE, which libre reports as "Connection reset by peer".
      await baresip.waitFor(/session closed: Connection reset by peer/, 15_000);
      expect(baresip.said()).toMatch(/^m=audio \d+ RTP\/AVP 8/m);
      expect(baresip.said()).toMatch(/^BYE sip:1002/m);
      // Its 200 was ACKed first (RFC 3261 §13.2.2.4), with an answer that takes no stream
      // (RFC 3264 §6: port 0).
      const said = baresip.said();
      const ack = said.search(/^ACK sip:1002/m);
      expect(ack).toBeGreaterThan(-1);
      expect(ack).toBeLessThan(said.search(/^BYE sip:1002/m));
      expect(said.slice(ack)).toMatch(/^m=audio 0 RTP\/AVP 8/m);
    },
  );
});
