import { describe, expect, it } from "vitest";
import { SipTransportError } from "../sip-core/sip-transport-error";
import { ContainedErrors } from "./contained-errors";
import { createLogger } from "./logger";
import { createMetricsRegistry } from "./metrics";

describe("ContainedErrors", () => {
  it("logs a bug with its stack and a peer's connection reset as one line with its code; counts both", async () => {
    const lines: string[] = [];
    const registry = createMetricsRegistry();
    const errors = new ContainedErrors(
      createLogger("server", "info", (line) => lines.push(line)),
      registry,
    );
    errors.report("sip", new TypeError("cannot read properties of undefined"), "call-1");
    const reset = new SipTransportError(
      "TCP connection error",
      { transport: "TCP", host: "192.0.2.7", port: 40000 },
      { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) },
    );
    errors.report("sip", reset);
    const [bug, network] = lines.map(
      (l) =>
        JSON.parse(l) as { level: string; service: string; where: string; message: string; subject?: string },
    );
    expect(bug).toMatchObject({ level: "error", service: "server", where: "sip" });
    expect(bug!.message).toMatch(/^TypeError: cannot read properties of undefined\n\s+at /);
    expect(bug!.subject).toBe("call-1");
    expect(network!.message).toBe("TCP connection error (TCP 192.0.2.7:40000) [ECONNRESET]");
    expect(lines.every((l) => l.endsWith("\n") && l.split("\n").length === 2)).toBe(true);
    expect(errors.count("sip")).toBe(2);
    expect(await registry.metrics()).toContain('forkline_contained_errors_total{where="sip"} 2');
  });
});
