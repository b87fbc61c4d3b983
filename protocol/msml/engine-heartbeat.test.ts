import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ProtocolParseError } from "../protocol-parse-error";
import { MAX_HEARTBEAT_BYTES, parseHeartbeat, serializeHeartbeat } from "./engine-heartbeat";

const VECTORS = join(fileURLToPath(new URL(".", import.meta.url)), "__vectors__", "heartbeat");
const valid = readdirSync(VECTORS).filter((name) => name.endsWith(".txt"));
const invalid = readdirSync(join(VECTORS, "invalid"));

describe("engine heartbeat codec (server ↔ media engine contract)", () => {
  it.each(valid)("%s parses and serializes back to the same bytes", (name) => {
    const bytes = readFileSync(join(VECTORS, name));
    expect(serializeHeartbeat(parseHeartbeat(bytes)).equals(bytes)).toBe(true);
  });

  it("reads the fields of a pong from an engine whose main thread stalled", () => {
    expect(parseHeartbeat(readFileSync(join(VECTORS, "pong-main-thread-stalled.txt")))).toEqual({
      kind: "pong",
      seq: 18,
      bootId: "257ab9dd-81fc-4929-abd7-9a1798191e26",
      loopAgeMs: 5230,
    });
  });

  it.each(invalid)("refuses invalid/%s with a ProtocolParseError", (name) => {
    expect(() => parseHeartbeat(readFileSync(join(VECTORS, "invalid", name)))).toThrow(ProtocolParseError);
  });

  it("refuses a datagram longer than any heartbeat, and will not write a bad boot id", () => {
    expect(() => parseHeartbeat(Buffer.alloc(MAX_HEARTBEAT_BYTES + 1, 0x41))).toThrow(/too long/);
    expect(() => serializeHeartbeat({ kind: "pong", seq: 1, bootId: "a b", loopAgeMs: 0 })).toThrow(
      ProtocolParseError,
    );
  });
});
