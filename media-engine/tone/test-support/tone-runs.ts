import { decodePcma, decodePcmu, parseRtpHeader } from "../../../protocol/rtp";
import { goertzel } from "../../../recorder/test-support/audio-analysis";
import type { UdpPhone } from "../../rtp/test-support/udp-phone";

/** A run of received packets carrying the tone: when its first packet arrived, how many in a row. */
export type ToneRun = { at: number; packets: number };

/** Whether a G.711 packet (PCMU or PCMA by payload type) carries more `hz` than `voiceHz`. */
export function carries(packet: Buffer, hz: number, voiceHz: number): boolean {
  const header = parseRtpHeader(packet);
  const payload = packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
  const samples = new Int16Array(payload.length);
  (header.payloadType === 8 ? decodePcma : decodePcmu)(payload, samples);
  return goertzel(samples, hz, 8000) > goertzel(samples, voiceHz, 8000);
}

/**
 * The runs of packets a phone received that carry the `hz` tone rather than the other party's
 * `voiceHz` voice, in arrival order.
 */
export function toneRuns(phone: UdpPhone, hz = 1400, voiceHz = 440): ToneRun[] {
  const runs: ToneRun[] = [];
  let current: ToneRun | undefined;
  for (const [i, packet] of phone.received.entries()) {
    if (carries(packet, hz, voiceHz)) {
      if (current === undefined) runs.push((current = { at: phone.receivedAt[i]!, packets: 0 }));
      current.packets++;
    } else {
      current = undefined;
    }
  }
  return runs;
}
