import { describe, expect, it } from "vitest";
import { serializeTelephoneEvent } from "../../protocol/rtp";
import { DtmfEventCounter } from "./dtmf-event-counter";

const packet = (event: number, end: boolean, duration: number) =>
  serializeTelephoneEvent({ event, end, volume: 10, duration });

describe("DtmfEventCounter", () => {
  it("counts one key press per event, however many packets and end retransmissions it has", () => {
    const counter = new DtmfEventCounter();
    // RFC 4733 §2.5: updates share the event's timestamp; the end packet is sent three times.
    for (const d of [160, 320, 480]) expect(counter.observe(1000, packet(5, false, d))).toBe(false);
    expect(counter.observe(1000, packet(5, true, 640))).toBe(true);
    expect(counter.observe(1000, packet(5, true, 640))).toBe(false);
    expect(counter.observe(1000, packet(5, true, 640))).toBe(false);
    expect(counter.observe(2000, packet(11, true, 640))).toBe(true);
    expect(counter.total).toBe(2);
  });

  it("ignores non-DTMF events and short payloads", () => {
    const counter = new DtmfEventCounter();
    expect(counter.observe(1, packet(32, true, 640))).toBe(false);
    expect(counter.observe(2, Buffer.from([1, 0x80]))).toBe(false);
    expect(counter.total).toBe(0);
  });
});
