import { expect } from "vitest";
import { ProtocolParseError, type ProtocolName } from "../protocol-parse-error";

/** `fn` must throw a ProtocolParseError of `protocol` whose message matches `pattern`. */
export function expectParseError(fn: () => unknown, protocol: ProtocolName, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProtocolParseError);
  const error = caught as ProtocolParseError;
  expect(error.protocol).toBe(protocol);
  expect(error.message).toMatch(pattern);
}
