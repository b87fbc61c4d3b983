import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { PortPool, PortPoolExhaustedError, type AllocatedPorts } from "./rtp-port-pool";

// Dedicated slice of the 41000-41999 test range so no other test file collides.
const BASE = 41000;

const opened: dgram.Socket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.close();
});

function keep(ports: AllocatedPorts): AllocatedPorts {
  opened.push(ports.rtp);
  if (ports.rtcp) opened.push(ports.rtcp);
  return ports;
}

async function occupy(port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
  opened.push(socket);
  return socket;
}

function closeSockets(ports: AllocatedPorts): Promise<void> {
  const sockets = [ports.rtp, ports.rtcp].filter((s): s is dgram.Socket => s !== undefined);
  for (const socket of sockets) opened.splice(opened.indexOf(socket), 1);
  return Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(
    () => undefined,
  );
}

describe("PortPool", () => {
  it("counts the ports of even/odd pairs wholly in the range", () => {
    expect(new PortPool(BASE, BASE + 9).capacity).toBe(10);
    expect(new PortPool(BASE + 1, BASE + 10).capacity).toBe(8);
    expect(new PortPool(BASE, BASE).capacity).toBe(0);
    expect(() => new PortPool(BASE + 10, BASE)).toThrow(RangeError);
  });

  it("binds an even RTP port and RTCP on the next odd port", async () => {
    const pool = new PortPool(BASE, BASE + 9);
    const ports = keep(await pool.allocate("127.0.0.1", false));
    expect(ports.port % 2).toBe(0);
    expect(ports.rtp.address().port).toBe(ports.port);
    expect(ports.rtcp?.address().port).toBe(ports.port + 1);
    expect(pool.inUse).toBe(2);
  });

  it("binds a single socket with rtcp-mux", async () => {
    const pool = new PortPool(BASE + 10, BASE + 19);
    const ports = keep(await pool.allocate("127.0.0.1", true));
    expect(ports.rtcp).toBeUndefined();
    expect(ports.rtp.address().port).toBe(ports.port);
  });

  it("hands out distinct ports to concurrent allocations", async () => {
    const pool = new PortPool(BASE + 20, BASE + 39);
    const all = (await Promise.all(Array.from({ length: 10 }, () => pool.allocate("127.0.0.1", false)))).map(
      keep,
    );
    expect(new Set(all.map((p) => p.port)).size).toBe(10);
    expect(pool.inUse).toBe(20);
  });

  it("rejects with PortPoolExhaustedError when full and allocates again after a release", async () => {
    const pool = new PortPool(BASE + 40, BASE + 43);
    const first = keep(await pool.allocate("127.0.0.1", false));
    keep(await pool.allocate("127.0.0.1", false));
    await expect(pool.allocate("127.0.0.1", false)).rejects.toBeInstanceOf(PortPoolExhaustedError);
    await closeSockets(first);
    pool.release(first.port, true);
    expect(pool.inUse).toBe(2);
    const again = keep(await pool.allocate("127.0.0.1", false));
    expect(again.port).toBe(first.port);
  });

  it("skips a port whose RTP or RTCP half the OS refuses (EADDRINUSE)", async () => {
    await occupy(BASE + 50);
    await occupy(BASE + 53);
    const pool = new PortPool(BASE + 50, BASE + 55);
    const ports = keep(await pool.allocate("127.0.0.1", false));
    expect(ports.port).toBe(BASE + 54);
    // The RTP half bound on BASE+52 before its RTCP half failed must have been closed again.
    const freed = await occupy(BASE + 52);
    expect(freed.address().port).toBe(BASE + 52);
    await expect(pool.allocate("127.0.0.1", false)).rejects.toBeInstanceOf(PortPoolExhaustedError);
    expect(pool.inUse).toBe(2);
  });

  it("ignores the release of a port it never handed out", () => {
    const pool = new PortPool(BASE + 60, BASE + 69);
    pool.release(BASE + 60, true);
    expect(pool.inUse).toBe(0);
  });

  it("gives a stream's pair back on close (once), so the recorder's ports do not leak", async () => {
    const pool = new PortPool(BASE + 70, BASE + 73);
    const first = await pool.allocatePair("127.0.0.1");
    const second = await pool.allocatePair("127.0.0.1");
    expect([first.port, second.port].sort()).toEqual([BASE + 70, BASE + 72]);
    expect(first.rtcp.address().port).toBe(first.port + 1);
    await expect(pool.allocatePair("127.0.0.1")).rejects.toBeInstanceOf(PortPoolExhaustedError);
    first.close();
    first.close();
    expect(pool.inUse).toBe(2);
    const again = await pool.allocatePair("127.0.0.1");
    expect(again.port).toBe(first.port);
    again.close();
    second.close();
    expect(pool.inUse).toBe(0);
  });

  it("lets the OS choose when the range is 0-0 (tests), still even RTP with RTCP above it", async () => {
    const pool = new PortPool(0, 0);
    const pair = await pool.allocatePair("127.0.0.1");
    expect(pair.port % 2).toBe(0);
    expect(pair.rtcp.address().port).toBe(pair.port + 1);
    expect(pool.inUse).toBe(2);
    pair.close();
    expect(pool.inUse).toBe(0);
  });

  it("a muxed stream (RFC 5761) takes the free half of a pair before splitting a whole one, so whole pairs stay for streams with RTCP", async () => {
    const pool = new PortPool(BASE + 80, BASE + 85);
    const muxed = keep(await pool.allocate("127.0.0.1", true));
    expect(muxed.rtcp).toBeUndefined();
    expect(pool.inUse).toBe(1);
    // The second muxed stream takes the first one's neighbour: two whole pairs are still free.
    const second = keep(await pool.allocate("127.0.0.1", true));
    expect(Math.floor(second.port / 2)).toBe(Math.floor(muxed.port / 2));
    const pairs = [
      keep(await pool.allocate("127.0.0.1", false)),
      keep(await pool.allocate("127.0.0.1", false)),
    ];
    expect(pairs.every((p) => p.rtcp !== undefined)).toBe(true);
    expect(pool.inUse).toBe(6);
    await expect(pool.allocate("127.0.0.1", true)).rejects.toBeInstanceOf(PortPoolExhaustedError);
    // A stream gives its RTCP port back (its recorder multiplexes): the half serves a muxed stream.
    await closeSockets(pairs[0]!);
    pool.release(pairs[0]!.port + 1, false);
    const third = keep(await pool.allocate("127.0.0.1", true));
    expect(third.port).toBe(pairs[0]!.port + 1);
    await expect(pool.allocate("127.0.0.1", false)).rejects.toBeInstanceOf(PortPoolExhaustedError);
  });

  it("reserves a given free port of the range (an RTCP port wanted back), and not one in use", async () => {
    const pool = new PortPool(BASE + 86, BASE + 89);
    const muxed = keep(await pool.allocate("127.0.0.1", true));
    const socket = await pool.reserve("127.0.0.1", muxed.port + 1);
    expect(socket?.address().port).toBe(muxed.port + 1);
    opened.push(socket!);
    expect(await pool.reserve("127.0.0.1", muxed.port + 1)).toBeUndefined();
    expect(await pool.reserve("127.0.0.1", BASE + 200)).toBeUndefined();
    expect(pool.inUse).toBe(2);
    // Both halves in use: the next pair is the other one.
    const pair = keep(await pool.allocate("127.0.0.1", false));
    expect(pair.port).not.toBe(muxed.port);
  });
});
