import { describe, expect, it } from "vitest";
import { defaultWebRtcFloor, EnginePortPool, EnginePortsExhaustedError } from "./engine-port-pool";
import type { AllocatedPorts } from "../../common/rtp-port-pool";

const HOST = "127.0.0.1";

describe("EnginePortPool: one range for plain RTP and browsers", () => {
  it("keeps 1 % of the range for browsers, 2 to 100 ports", () => {
    expect([10, 2000, 10_000, 60_000].map(defaultWebRtcFloor)).toEqual([2, 20, 100, 100]);
    expect(new EnginePortPool(37300, 37309).webRtcFloor).toBe(2);
  });

  it("refuses plain RTP the floor, gives it to browsers, and holds the floor when an RTCP port is wanted back", async () => {
    const pool = new EnginePortPool(37300, 37309);
    const plain: AllocatedPorts[] = [];
    for (let i = 0; i < 3; i++) plain.push(await pool.allocate(HOST, false));
    const muxed = await pool.allocate(HOST, true);
    const muxed2 = await pool.allocate(HOST, true);
    expect(pool.inUse).toBe(8);
    await expect(pool.allocate(HOST, true)).rejects.toThrow(EnginePortsExhaustedError);
    await expect(pool.allocate(HOST, true)).rejects.toMatchObject({
      reason: "No RTP ports left (8 of 10 in use, the last 2 kept for WebRTC legs)",
    });
    // A muxed stream's RTCP port wanted back (a recorder that does not mux) is plain RTP too: a
    // free port of the floor is not given.
    const free = [37300, 37301, 37302, 37303, 37304, 37305, 37306, 37307, 37308, 37309].filter(
      (port) => ![...plain.flatMap((p) => [p.port, p.port + 1]), muxed.port, muxed2.port].includes(port),
    );
    expect(free).toHaveLength(2);
    expect(await pool.reserve(HOST, free[0]!)).toBeUndefined();
    const browsers = [await pool.allocateWebRtc(HOST), await pool.allocateWebRtc(HOST)];
    expect(pool.inUse).toBe(10);
    await expect(pool.allocateWebRtc(HOST)).rejects.toMatchObject({
      reason: "No RTP ports left for a WebRTC leg (all 10 in use)",
    });
    // The browser's port is free for werift to bind (the pool closed its own socket), and taken.
    const ports = [...browsers.map((b) => b.port), ...plain.flatMap((p) => [p.port, p.port + 1])];
    expect(new Set([...ports, muxed.port, muxed2.port]).size).toBe(10);
    browsers[0]!.release();
    browsers[0]!.release();
    expect(pool.inUse).toBe(9);
    for (const { rtp, rtcp, port } of plain) {
      rtp.close();
      rtcp!.close();
      pool.release(port, true);
    }
    const taken = await pool.reserve(HOST, plain[0]!.port + 1);
    expect(taken).toBeDefined();
    taken!.close();
    for (const { rtp } of [muxed, muxed2]) rtp.close();
    browsers[1]!.release();
  });
});
