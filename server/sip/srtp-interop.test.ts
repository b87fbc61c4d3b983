import { type ChildProcess, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodePcma, serializeRtpPacket } from "../../protocol/rtp";
import { SrtpContext } from "../../protocol/srtp";
import { dominantFrequency, readWav, tone } from "../../recorder/test-support/audio-analysis";
import { waitFor } from "../../common/test-support/waiting";
import { baresipAvailable, startBaresip } from "../test-support/baresip";
import { writeRtpPcap } from "../test-support/rtp-pcap";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { sipp, startCapture, stopCapture } from "../test-support/sipp";
import {
  decodePcmaTrack,
  isRtcp,
  rms,
  sdesKeyOf,
  sdpOf,
  sipMessages,
  udpDatagrams,
  unprotectAll,
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
const CANDIDATES = [BARESIP_HZ, TRUNK_HZ, 300, 2000];

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
    return sipp([
      server,
      "-sf",
      scenario,
      "-s",
      number,
      "-i",
      "127.0.0.1",
      "-p",
      String(TRUNK_SIP),
      "-mi",
      "127.0.0.1",
      "-mp",
      String(TRUNK_MEDIA),
      "-m",
      "1",
      "-timeout",
      "30s",
      "-nostdin",
      "-trace_err",
      "-error_file",
      errors,
    ]).then((run) => ({
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
      // offer in its 200 is RTP/SAVP with a=crypto, the media engine's answer in the ACK too.
      const sip = sipMessages(captureFile, BARESIP_SIP);
      const invite = sip.find((m) => m.startsWith("INVITE "));
      const ok = sip.find((m) => /^SIP\/2\.0 200 /.test(m) && /^CSeq: \d+ INVITE/m.test(m));
      const ack = sip.find((m) => m.startsWith("ACK "));
      expect(invite, sip.join("\n----\n")).toBeDefined();
      expect(sdpOf(invite!)).toBeUndefined();
      expect(ok, sip.join("\n----\n")).toBeDefined();
      const offer = sdpOf(ok ?? "");
      const answer = sdpOf(ack ?? "");
      expect(offer, sip.join("\n----\n")).toMatch(/^m=audio \d+ RTP\/SAVP /m);
      expect(offer).toMatch(/^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m);
      expect(answer, sip.join("\n----\n")).toMatch(/^m=audio \d+ RTP\/SAVP 8/m);
      expect(answer).toMatch(/^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:/m);
      const engineKey = sdesKeyOf(answer!);
      const baresipKey = sdesKeyOf(offer!, engineKey.tag);
      // Each direction has a key of its own (RFC 4568 §6.1), fresh from each side.
      expect(engineKey.masterKey.equals(baresipKey.masterKey)).toBe(false);

      // Every datagram on baresip's media ports: RTP ones authenticate with their sender's key
      // (80-bit tag), RTCP ones are SRTCP of the same keys.
      const onLeg = udpDatagrams(
        captureFile,
        `udp.port >= ${BARESIP_RTP.min} && udp.port <= ${BARESIP_RTP.max + 1}`,
      );
      const inRange = (port: number) => port >= BARESIP_RTP.min && port <= BARESIP_RTP.max + 1;
      const toBaresip = onLeg.filter((d) => inRange(d.to)).map((d) => d.payload);
      const fromBaresip = onLeg.filter((d) => inRange(d.from)).map((d) => d.payload);
      const heardByBaresip = unprotectAll(
        toBaresip.filter((d) => !isRtcp(d)),
        engineKey,
      );
      const saidByBaresip = unprotectAll(
        fromBaresip.filter((d) => !isRtcp(d)),
        baresipKey,
      );
      // baresip's one RTCP packet in clear: the APP "PING" it sends to open a NAT pinhole as its
      // stream starts (libre's rtcp_send_app), before the ACK brought the keys. No audio in it.
      const pinhole = (d: Buffer) => d.length === 16 && d.subarray(8).toString("latin1") === "PINGPONG";
      expect(fromBaresip.filter(pinhole).length).toBeLessThanOrEqual(1);
      for (const [rtcp, key] of [
        [toBaresip.filter(isRtcp), engineKey],
        [fromBaresip.filter((d) => isRtcp(d) && !pinhole(d)), baresipKey],
      ] as const) {
        const context = new SrtpContext(key);
        for (const packet of rtcp)
          expect(() => context.unprotectRtcp(packet), packet.toString("hex")).not.toThrow();
      }
      // The engine relays without transcoding: baresip got the trunk's every payload, in order.
      expect(heardByBaresip.length).toBeGreaterThan(350);
      expect(heardByBaresip.map((p) => p.toString("hex"))).toEqual(trunkSent.map((p) => p.toString("hex")));
      expect(saidByBaresip.length).toBeGreaterThan(350);
      // No plaintext on the wire: no datagram holds its own audio, or any party's, in clear.
      const plain = new Set([...heardByBaresip, ...saidByBaresip].map((p) => p.toString("hex")));
      const inClear = [...toBaresip, ...fromBaresip].filter((d) =>
        plain.has(d.subarray(12, 12 + 160).toString("hex")),
      );
      expect(inClear).toHaveLength(0);
      // Each RTP datagram is its 12-byte header, 160 bytes of ciphertext and the 10-byte tag.
      const lengths = new Set([...toBaresip, ...fromBaresip].filter((d) => !isRtcp(d)).map((d) => d.length));
      expect([...lengths]).toEqual([12 + 160 + 10]);

      // What baresip said reached the trunk in clear (decrypted by the engine): its 440 Hz.
      const trunkHeard = udpDatagrams(captureFile, `udp.dstport == ${TRUNK_MEDIA}`)
        .map((d) => d.payload)
        .filter((d) => !isRtcp(d))
        .map((d) => d.subarray(12));
      expect(trunkHeard.map((p) => p.toString("hex"))).toEqual(saidByBaresip.map((p) => p.toString("hex")));
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
});
