import { afterEach, describe, expect, it, vi } from "vitest";
import { PortPool, RtpEndpoint } from "../rtp";

const pool = new PortPool(43280, 43299);
const endpoints: RtpEndpoint[] = [];

afterEach(() => {
  for (const endpoint of endpoints.splice(0)) endpoint.close();
});

async function silentEndpoint(): Promise<RtpEndpoint> {
  const endpoint = await RtpEndpoint.create({
    bindHost: "127.0.0.1",
    portPool: pool,
    inactivityTimeoutMs: 100,
  });
  endpoint.setRemote("127.0.0.1", 9);
  endpoints.push(endpoint);
  return endpoint;
}

describe("a throwing listener never reaches the endpoint's timer", () => {
  it("an inactivity listener that throws becomes the endpoint's 'error' event", async () => {
    const endpoint = await silentEndpoint();
    const errors: unknown[] = [];
    endpoint.on("error", (error: unknown) => errors.push(error));
    endpoint.on("inactive", () => {
      throw new Error("hang-up failed");
    });
    await vi.waitFor(() => expect(errors).toHaveLength(1), 2000);
    expect((errors[0] as Error).message).toBe("hang-up failed");
  });

  it("without an 'error' listener it is dropped: the process sees no uncaught exception", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const endpoint = await silentEndpoint();
      let fired = false;
      endpoint.on("inactive", () => {
        fired = true;
        throw new Error("hang-up failed");
      });
      await vi.waitFor(() => expect(fired).toBe(true), 2000);
      // The timer ran the listener synchronously; one more turn lets an escaped throw surface.
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
