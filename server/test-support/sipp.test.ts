import { describe, expect, it } from "vitest";
import { sippArgs } from "./sipp";

describe("sippArgs", () => {
  it("a trunk calling once: remote first, then the scenario, number, addresses, one call, the error file", () => {
    expect(
      sippArgs({
        remote: "127.0.0.1:5060",
        scenario: "trunk.xml",
        service: "1001",
        port: 5062,
        mediaPort: 44700,
        timeout: "30s",
        errorFile: "/tmp/errors.log",
      }),
    ).toEqual([
      "127.0.0.1:5060",
      "-sf",
      "trunk.xml",
      "-s",
      "1001",
      "-i",
      "127.0.0.1",
      "-p",
      "5062",
      "-mi",
      "127.0.0.1",
      "-mp",
      "44700",
      "-m",
      "1",
      "-timeout",
      "30s",
      "-nostdin",
      "-trace_err",
      "-error_file",
      "/tmp/errors.log",
    ]);
  });

  it("a recorder on another host that answers in-dialog requests, with no call limit and extra options last", () => {
    expect(
      sippArgs({
        scenario: "uas.xml",
        host: "10.0.0.2",
        port: 5060,
        mediaPort: 6000,
        calls: null,
        autoAnswer: true,
        extra: ["-r", "10"],
      }),
    ).toEqual([
      "-sf",
      "uas.xml",
      "-i",
      "10.0.0.2",
      "-p",
      "5060",
      "-mi",
      "10.0.0.2",
      "-mp",
      "6000",
      "-nostdin",
      "-aa",
      "-r",
      "10",
    ]);
  });
});
