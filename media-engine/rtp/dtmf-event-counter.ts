import { parseTelephoneEvent } from "../../protocol/rtp";

/**
 * Counts the DTMF key presses a party sent as RFC 4733 telephone-events, so an operator can see
 * that an agent's keys reached the media engine. It keeps no digits: customers key in card
 * numbers, and those must not end up in metrics or logs.
 */
export class DtmfEventCounter {
  private count = 0;
  private lastEndTimestamp: number | undefined;

  get total(): number {
    return this.count;
  }

  /** One telephone-event packet's RTP timestamp and payload; true when it ended a new key press. */
  observe(timestamp: number, payload: Buffer): boolean {
    if (payload.length < 4) return false;
    const event = parseTelephoneEvent(payload);
    // RFC 4733 §2.5.1.4: "the final packet for each event ... SHOULD be sent a total of three
    // times" — so one key press per event timestamp, counted at its first end packet.
    if (!event.end || timestamp === this.lastEndTimestamp) return false;
    this.lastEndTimestamp = timestamp;
    // RFC 4733 §3.2: events 0–15 are the DTMF digits; others (tones, line events) are not keys.
    if (event.event > 15) return false;
    this.count++;
    return true;
  }
}
