import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "./logger";

describe("createLogger honours LOG_LEVEL", () => {
  const linesAt = (level: LogLevel) => {
    const lines: string[] = [];
    const log = createLogger("media-engine", level, (line) => lines.push(line));
    const leg = log.child({ connId: "conn:a" });
    leg.debug("leg opened");
    leg.info("the engine hangs up: RTP inactivity");
    log.warn({ engine: "sip:127.0.0.1:5071" }, "something odd");
    return lines.map(
      (line) => JSON.parse(line) as { level: string; message: string; connId?: string; time: string },
    );
  };

  it("writes debug lines only at debug, info lines at debug and info, warn from warn up", () => {
    expect(linesAt("debug").map((l) => l.level)).toEqual(["debug", "info", "warn"]);
    expect(linesAt("info").map((l) => l.level)).toEqual(["info", "warn"]);
    expect(linesAt("warn").map((l) => l.level)).toEqual(["warn"]);
    expect(linesAt("error")).toEqual([]);
  });

  it("writes one JSON object a line with the service, an ISO time and the child's call or leg", () => {
    const [line, warn] = linesAt("info");
    expect(line).toMatchObject({
      level: "info",
      service: "media-engine",
      connId: "conn:a",
      message: "the engine hangs up: RTP inactivity",
    });
    expect(new Date(line!.time).toISOString()).toBe(line!.time);
    expect(warn).toMatchObject({ engine: "sip:127.0.0.1:5071", message: "something odd" });
    expect(warn).not.toHaveProperty("connId");
  });
});
