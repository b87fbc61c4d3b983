import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { decodePcmu, encodePcmu, parseRtpHeader, serializeRtpPacket } from "../../protocol/rtp";
import { UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { detectDtmf } from "../../media-engine/recording/in-band-dtmf-detector";
import { dominantFrequency, dtmfWindows, readWav, tone } from "../../recorder/test-support/audio-analysis";
import { registeredAgent } from "../test-support/registered-agent";
import { writeRtpPcap } from "../test-support/rtp-pcap";
import { useTestStack } from "../test-support/stack-fixture";
import { sipp, sippArgs } from "../test-support/sipp";

// Issue 15 §5 with independent peers: SIPp is the PSTN trunk and plays what a customer types
// while a full-time recorded call is up — in-band DTMF tones in G.711 (a pcap written here) and
// RFC 4733 events (SIPp's own sample pcaps, dtmf_2833_1/5/9). The agent must receive every key;
// the lab recorder's WAV must hold none of them.
const ports = {
  http: 3251,
  sip: 6251,
  mediaSip: 6253,
  mediaHttp: 6254,
  recorderSip: 6255,
  recorderHttp: 6256,
  rtpMin: 40800,
  rtpMax: 40979,
};
const AGENT_MEDIA = 40990;
const TRUNK_MEDIA = 40994;
const TRUNK_SIP = 5062; // the demo trunk's peer
const SCENARIO = path.join(import.meta.dirname, "__scenarios__/trunk-uac-dtmf.xml");
const ROWS: Record<string, number> = { "1": 697, "5": 770, "9": 852 };
const COLUMNS: Record<string, number> = { "1": 1209, "5": 1336, "9": 1477 };

const fixture = useTestStack(ports);
const { closers, trpc } = fixture;

/**
 * The customer's in-band keys: 1 s of voice (440 Hz), then 1, 5, 9 as 120 ms tone pairs
 * (amplitude 6000 each, -9 dBm0 — a loud phone) with 200 ms of voice between, then voice again.
 */
function inBandKeys(file: string): number {
  const packets: { atMs: number; rtp: Buffer }[] = [];
  const plan: ("voice" | "1" | "5" | "9")[] = [];
  for (let i = 0; i < 50; i++) plan.push("voice");
  for (const key of ["1", "5", "9"] as const) {
    for (let i = 0; i < 6; i++) plan.push(key);
    for (let i = 0; i < 10; i++) plan.push("voice");
  }
  for (let i = 0; i < 25; i++) plan.push("voice");
  plan.forEach((what, n) => {
    const start = n * 160;
    let samples = tone(440, 160, start, 3000);
    if (what !== "voice") {
      const column = tone(COLUMNS[what]!, 160, start, 6000);
      samples = tone(ROWS[what]!, 160, start, 6000).map((s, i) => s + column[i]!);
    }
    packets.push({
      atMs: n * 20,
      rtp: serializeRtpPacket({
        marker: n === 0,
        payloadType: 0,
        sequenceNumber: 1000 + n,
        timestamp: start,
        ssrc: 0x5a5a0001,
        csrcs: [],
        extension: false,
        payload: encodePcmu(samples),
      }),
    });
  });
  writeRtpPcap(file, packets);
  return plan.length * 20;
}

describe("DTMF typed by a customer on a recorded call (SIPp, sample pcaps)", () => {
  it("the agent receives every key, in-band and RFC 4733; the recording holds none of them", async () => {
    await trpc("dn.setRecord", { number: "pstn", record: true });
    const agent = await registeredAgent(`127.0.0.1:${ports.sip}`, "1001", AGENT_MEDIA, closers);
    const agentMedia = await UdpPhone.open(AGENT_MEDIA);
    closers.push(() => agentMedia.close());

    const dir = fixture.stack.dir;
    const pcap = path.join(dir, "inband-keys.pcap");
    const inbandMs = inBandKeys(pcap);
    const scenario = path.join(dir, "trunk-uac-dtmf.xml");
    fs.writeFileSync(
      scenario,
      fs
        .readFileSync(SCENARIO, "utf8")
        .replace("[inband_pcap]", pcap)
        .replace("[inband_ms]", String(inbandMs + 300)),
    );
    const result = await sipp(
      sippArgs({
        remote: `127.0.0.1:${ports.sip}`,
        scenario,
        service: "1001",
        port: TRUNK_SIP,
        mediaPort: TRUNK_MEDIA,
        timeout: "40s",
      }),
    );
    expect(result.code, result.output).toBe(0);
    await vi.waitFor(() => expect(agent.byes).toHaveLength(1), { timeout: 5_000 });

    // The agent got every key: the three events (SIPp's pcaps use payload type 101) …
    const received = agentMedia.received
      .filter((p) => p.length >= 12)
      .map((p) => ({ p, h: parseRtpHeader(p) }));
    const events = received.filter(({ h }) => h.payloadType === 101);
    const eventKeys = new Set(events.map(({ p, h }) => String(p[h.payloadOffset])));
    expect([...eventKeys].sort()).toEqual(["1", "5", "9"]);
    // … and the tones in the audio, each in several packets.
    const heard = received
      .filter(({ h }) => h.payloadType === 0)
      .map(({ p, h }) => {
        const samples = new Int16Array(h.payloadLength);
        decodePcmu(p.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), samples);
        return detectDtmf(samples);
      });
    for (const key of ["1", "5", "9"])
      expect(heard.filter((k) => k === key).length).toBeGreaterThanOrEqual(4);

    // The recording: finished, the customer's voice in it, and no key in any 20 ms window (1 ms
    // steps), by a plain Goertzel of its own — a row and a column tone both above -35 dBm0.
    const recordings = path.join(dir, "recordings");
    const metadata = await vi.waitFor(
      () => {
        const done = fs
          .readdirSync(recordings)
          .filter((f) => f.endsWith(".json"))
          .map((f) => ({
            f,
            json: JSON.parse(fs.readFileSync(path.join(recordings, f), "utf8")) as { state: string },
          }))
          .filter(({ json }) => json.state === "finished");
        expect(done).toHaveLength(1);
        return done[0]!.f;
      },
      { timeout: 10_000 },
    );
    const wav = readWav(path.join(recordings, metadata.replace(/\.json$/, ".wav")));
    const loudest = wav.samples.reduce((a, b) => (energy(a) >= energy(b) ? a : b));
    expect(dominantFrequency(loudest, [300, 440, 1000], 8000)).toBe(440);
    expect(dtmfWindows(wav).join(", ")).toBe("");
  }, 90_000);
});

function energy(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return sum;
}
