import dgram from "node:dgram";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { SipRequest, SipResponse } from "../../protocol/sip";
import { UserAgentCore } from "../../sip-core";
import { sendBounded } from "./bounded-request";

const ua = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
const request = {
  method: "OPTIONS",
  headers: { get: () => undefined, getAll: () => [] },
} as unknown as SipRequest;
const ok = { status: 200, reason: "OK" } as SipResponse;

/** Keeps this process's event loop busy, as a starved engine's is. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: no timer fires, no socket is read
  }
}

describe("sendBounded: a deadline for an answer", () => {
  it("gives up on a peer that does not answer in time", async () => {
    const started = performance.now();
    expect(await sendBounded(ua, () => new Promise<SipResponse>(() => undefined), request, 100)).toBe(
      "timeout",
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("does not blame the peer when this process was stalled past the deadline: the answer waiting counts", async () => {
    // As in a starved engine: a socket callback (poll phase) runs 600 ms. The request goes out at
    // its start with a 200 ms deadline; the answer — a datagram from another process 100 ms later
    // — waits in the socket. When the loop runs again the overdue deadline timer fires (timers
    // phase) before the datagram is read (next poll phase). The peer answered in time.
    const answers = dgram.createSocket("udp4");
    const trigger = dgram.createSocket("udp4");
    await Promise.all(
      [answers, trigger].map((s) => new Promise<void>((resolve) => s.bind(0, "127.0.0.1", resolve))),
    );
    const answer = new Promise<SipResponse>((resolve) => answers.once("message", () => resolve(ok)));
    const pending = new Promise<Awaited<ReturnType<typeof sendBounded>>>((resolve) =>
      trigger.once("message", () => {
        resolve(sendBounded(ua, () => answer, request, 200));
        stall(600);
      }),
    );
    const peer = spawn(process.execPath, [
      "-e",
      `const s = require("node:dgram").createSocket("udp4");
       s.send("go", ${trigger.address().port}, "127.0.0.1", () =>
         setTimeout(() => s.send("200 OK", ${answers.address().port}, "127.0.0.1", () => s.close()), 100));`,
    ]);
    try {
      expect(await pending).toBe(ok);
    } finally {
      answers.close();
      trigger.close();
      peer.kill();
    }
  });

  it("still gives up when the peer stays silent after a stall", async () => {
    const pending = sendBounded(ua, () => new Promise<SipResponse>(() => undefined), request, 100);
    stall(400);
    expect(await pending).toBe("timeout");
  });
});
