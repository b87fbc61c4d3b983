import dgram from "node:dgram";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MacrotaskQueue } from "./macrotask-queue";

/** This file's port (the helper's range 37000–38999). */
const PORT = 38700;

let socket: dgram.Socket | undefined;

afterEach(() => {
  socket?.close();
  socket = undefined;
});

describe("MacrotaskQueue", () => {
  it("runs tasks in the order pushed, one per event-loop turn: a datagram that arrives meanwhile is read between two", async () => {
    const events: string[] = [];
    const receiver = dgram.createSocket("udp4");
    socket = receiver;
    receiver.on("message", () => events.push("datagram"));
    await new Promise<void>((resolve) => receiver.bind(PORT, "127.0.0.1", resolve));
    const queue = new MacrotaskQueue((error) => events.push(`error ${String(error)}`));
    const tasks = 20;
    // A burst queued in one turn; the first task makes I/O ready (as an RTP packet would be).
    for (let i = 0; i < tasks; i++) {
      queue.push(() => {
        events.push(`task ${i}`);
        if (i === 0) receiver.send(Buffer.from("rtp"), PORT, "127.0.0.1");
      });
    }
    expect(queue.length).toBe(tasks);
    await vi.waitFor(() => expect(events).toContain(`task ${tasks - 1}`));
    await vi.waitFor(() => expect(events).toContain("datagram"));
    const tasksOnly = events.filter((event) => event !== "datagram");
    expect(tasksOnly).toEqual(Array.from({ length: tasks }, (_, i) => `task ${i}`));
    // All tasks at once would read it after the last one; one per turn reads it a turn or two
    // after the first.
    expect(events.indexOf("datagram")).toBeGreaterThan(0);
    expect(events.indexOf("datagram")).toBeLessThan(events.indexOf(`task ${tasks - 1}`));
    expect(queue.length).toBe(0);
  });

  it("a task that throws goes to onError; the ones after it still run", async () => {
    const errors: unknown[] = [];
    const ran: number[] = [];
    const queue = new MacrotaskQueue((error) => errors.push(error));
    queue.push(() => ran.push(1));
    queue.push(() => {
      throw new Error("bug in a handler");
    });
    queue.push(() => ran.push(3));
    await vi.waitFor(() => expect(ran).toEqual([1, 3]));
    expect(errors).toEqual([new Error("bug in a handler")]);
    // Pushed after it went idle: scheduled again.
    queue.push(() => ran.push(4));
    await vi.waitFor(() => expect(ran).toEqual([1, 3, 4]));
  });
});
