import { describe, expect, it } from "vitest";
import { JsonLog } from "./json-log";

describe("JsonLog honours LOG_LEVEL", () => {
  const linesAt = (level: "debug" | "info" | "warn" | "error") => {
    const lines: string[] = [];
    const log = new JsonLog("media-engine", level, (line) => lines.push(line));
    log.debug("leg opened", "conn:a");
    log.info("the engine hangs up: RTP inactivity", "conn:a");
    log.warn("something odd");
    return lines.map((line) => JSON.parse(line) as { level: string; message: string; subject?: string });
  };

  it("writes debug lines only at debug, info lines at debug and info, warn from warn up", () => {
    expect(linesAt("debug").map((l) => l.level)).toEqual(["debug", "info", "warn"]);
    expect(linesAt("info").map((l) => l.level)).toEqual(["info", "warn"]);
    expect(linesAt("warn").map((l) => l.level)).toEqual(["warn"]);
    expect(linesAt("error")).toEqual([]);
  });

  it("writes one JSON object a line with the service and the leg it concerns", () => {
    const [line] = linesAt("info");
    expect(line).toMatchObject({
      level: "info",
      service: "media-engine",
      subject: "conn:a",
      message: "the engine hangs up: RTP inactivity",
    });
  });
});
