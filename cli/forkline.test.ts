import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "../server/test-support/start-test-server";

const root = path.resolve(import.meta.dirname, "..");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ httpPort: 3111, adminPassword: "cli-test-admin" });
}, 90_000);
afterAll(() => server?.stop());

/** Runs the real `forkline` bin as a user would, with the server's environment. */
function forkline(args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(root, "bin/forkline.js"), ...args], {
    env: { ...server.env, ...extraEnv },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("forkline CLI against a running server", () => {
  it("the first start wrote a token file only its owner can read", () => {
    const file = path.join(server.dir, "forkline.api-token");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("dn list --json shows the demo DNs, with no set-up", () => {
    const r = forkline(["dn", "list", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { number: string; type: string }[];
    expect(rows.map((d) => `${d.type}:${d.number}`)).toEqual(
      expect.arrayContaining([
        "extension:1001",
        "extension:1002",
        "extension:1003",
        "trunk:pstn",
        "routing_point:7000",
      ]),
    );
  });

  it("dn list prints a table for people", () => {
    const r = forkline(["dn", "list", "--type", "extension"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^number\s+type\s+displayName\s+record/);
    expect(r.stdout).toContain("1003");
    expect(r.stdout).not.toContain("pstn");
  });

  it("dn set creates and updates; the change is visible through the API", () => {
    expect(
      forkline(["dn", "set", "1004", "--type", "extension", "--password", "secret-1004", "--name", "Dora"])
        .code,
    ).toBe(0);
    const r = forkline(["--json", "dn", "set", "1004", "--type", "extension", "--record", "true"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ number: "1004", record: true, displayName: "Dora" });
    const trunk = forkline([
      "--json",
      "dn",
      "set",
      "carrier",
      "--type",
      "trunk",
      "--peer",
      "127.0.0.1:5099",
      "--record",
      "true",
      "--dtmf-masking",
      "events",
      "--peer-port-match",
      "false",
      "--recording-tone",
      "repeat",
      "--recording-tone-every",
      "30",
      "--recording-tone-parties",
      "customer",
    ]);
    expect(JSON.parse(trunk.stdout)).toMatchObject({
      number: "carrier",
      peer: "127.0.0.1:5099",
      record: true,
      dtmfMasking: "events",
      peerPortMatch: false,
      recordingTone: "repeat",
      recordingToneEverySeconds: 30,
      recordingToneParties: "customer",
    });
    const tooOften = forkline(["dn", "set", "carrier", "--type", "trunk", "--recording-tone-every", "2"]);
    expect(tooOften.code).not.toBe(0);
    expect(tooOften.stderr).toMatch(/the tone repeats at most every 5 seconds/);
    const refused = forkline(["dn", "set", "7001", "--type", "routing-point", "--dtmf-masking", "off"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/dtmfMasking does not apply to a routing point/);
    const rp = forkline([
      "--json",
      "dn",
      "set",
      "7001",
      "--type",
      "routing-point",
      "--target",
      "1004",
      "--route-record",
      "destination",
    ]);
    expect(JSON.parse(rp.stdout)).toMatchObject({
      number: "7001",
      routeTarget: "1004",
      routeRecord: "destination",
    });
  });

  it("agent set and recorder set", () => {
    expect(JSON.parse(forkline(["--json", "agent", "set", "5001", "--record", "true"]).stdout)).toMatchObject(
      { loginCode: "5001", record: true },
    );
    const rec = forkline([
      "--json",
      "recorder",
      "set",
      "backup",
      "--uri",
      "sip:127.0.0.1:5090",
      "--position",
      "1",
      "--playback-url",
      "https://rec.example/play?id={id}",
    ]);
    expect(JSON.parse(rec.stdout)).toMatchObject({
      name: "backup",
      position: 1,
      playbackUrl: "https://rec.example/play?id={id}",
    });
    const list = JSON.parse(forkline(["--json", "recorder", "list"]).stdout) as { name: string }[];
    expect(list.map((r) => r.name)).toEqual(["backup", "lab"]);
  });

  it("compliance shows and sets who may stop a full-time recording, the stop reason and the longest pause", () => {
    const defaults = { fullTimeStop: "supervisors", stopReason: "required", maxPauseSeconds: 180 };
    expect(JSON.parse(forkline(["--json", "compliance"]).stdout)).toEqual(defaults);
    expect(JSON.parse(forkline(["--json", "compliance", "--full-time-stop", "anyone"]).stdout)).toEqual({
      ...defaults,
      fullTimeStop: "anyone",
    });
    expect(
      JSON.parse(forkline(["--json", "compliance", "--stop-reason", "optional", "--max-pause", "60"]).stdout),
    ).toEqual({ fullTimeStop: "anyone", stopReason: "optional", maxPauseSeconds: 60 });
    const bad = forkline(["compliance", "--full-time-stop", "agents"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/who may stop a full-time recording: supervisors or anyone/);
    expect(forkline(["compliance", "--max-pause", "soon"]).code).toBe(2);
    expect(forkline(["compliance", "--stop-reason", "maybe"]).stderr).toMatch(
      /stop reason: required or optional/,
    );
    forkline([
      "compliance",
      "--full-time-stop",
      "supervisors",
      "--stop-reason",
      "required",
      "--max-pause",
      "180",
    ]);
    expect(JSON.parse(forkline(["--json", "compliance"]).stdout)).toEqual(defaults);
  });

  it("bad input gets a clear message, a usage exit code, and changes nothing", () => {
    const before = forkline(["--json", "dn", "list"]).stdout;
    const cases: [string[], RegExp][] = [
      [["dn", "set", "1001", "--type", "extension", "--record", "maybe"], /--record must be true or false/],
      [["dn", "set", "bad number", "--type", "extension"], /DN number/],
      [["dn", "set", "1001", "--type", "phone"], /Allowed choices are extension, trunk, routing-point/],
      [["dn", "set", "x1", "--type", "trunk", "--peer", "::nonsense::"], /peer must be host:port/],
      [["recorder", "set", "disk", "--uri", "file:///tmp/a.wav"], /local file recording is not supported/],
      [["recorder", "set", "lab", "--position", "first"], /--position must be a whole number/],
      [
        ["recorder", "set", "lab", "--playback-url", "javascript:alert({id})"],
        /playback URL must be http\(s\)/,
      ],
      [["record", "start", "c1", "--params", "novalue"], /is not key=value/],
      [["dn", "frobnicate"], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const r = forkline(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    expect(forkline(["--json", "dn", "list"]).stdout).toBe(before);
  });

  it("server-side refusals exit 1 with the server's reason", () => {
    const r = forkline(["dn", "set", "1001", "--type", "trunk", "--peer", "127.0.0.1:5062"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DN 1001 is an extension; delete it before/);
    expect(r.stderr).toContain("[CONFLICT]");
  });

  it("calls lists live calls (none here); record refuses an unknown ConnID", () => {
    const calls = forkline(["calls", "--json"]);
    expect(calls.code).toBe(0);
    expect(JSON.parse(calls.stdout)).toEqual([]);
    const rec = forkline(["record", "pause", "call-1"]);
    expect(rec.code).toBe(1);
    expect(rec.stderr).toMatch(/No call with ConnID call-1.*\[NOT_FOUND NO_SUCH_CALL\]/);
  });

  it("a bad token is refused and a missing server is reported plainly", () => {
    const bad = forkline(["dn", "list"], { FORKLINE_API_TOKEN: "flt_not-a-real-token" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Sign in first.*\[UNAUTHORIZED\]/);
    const down = forkline(["dn", "list"], { HTTP_PORT: "3119" });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach the Forkline server/);
  });
});
