import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { udpPortBound, waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";

const ports = {
  http: 3151,
  sip: 5391,
  mediaSip: 5401,
  mediaHttp: 5402,
  recorderSip: 5411,
  recorderHttp: 5412,
  rtpMin: 42000,
  rtpMax: 42998,
};
/** The demo trunk "pstn" is the peer 127.0.0.1:5062; the extension's phone (SIPp) listens on 5063. */
const TRUNK_PORT = 5062;
const PHONE_PORT = 5063;
const PHONE_MEDIA_PORT = 32000;
const TRUNK_MEDIA_PORT = 32100;
const SCENARIOS = path.join(import.meta.dirname, "__scenarios__");
const G711A_PCAP = "/usr/share/sip-tester/g711a.pcap";

let stack: TestStack;
let phone: SipTestPhone;
let capture: ChildProcess | undefined;
let captureFile: string;

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function rtpPayloads(file: string, filter: string): string[] {
  const out = execFileSync(
    "tshark",
    ["-r", file, "-o", "rtp.heuristic_rtp:TRUE", "-Y", filter, "-T", "fields", "-e", "rtp.payload"],
    { encoding: "utf8" },
  );
  return out.split("\n").filter((line) => line.trim() !== "");
}

beforeAll(async () => {
  stack = await startTestStack(ports);
  captureFile = path.join(stack.dir, "call.pcapng");
  capture = spawn(
    "tshark",
    ["-i", "lo", "-f", `udp port ${ports.sip} or udp dst port ${PHONE_MEDIA_PORT}`, "-w", captureFile],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let started = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${started}`)), 15_000);
    capture!.stderr!.on("data", (chunk: Buffer) => {
      started += chunk.toString();
      if (started.includes("Capturing on")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  phone = await SipTestPhone.start();
}, 120_000);

afterAll(async () => {
  await phone?.close();
  capture?.kill("SIGINT");
  await stack?.stop();
});

describe("a trunk call to an extension, media anchored in the media engine", () => {
  it("registers 1001 with digest auth (SHA-256) for the phone's Contact", async () => {
    const response = await phone.register({
      server: `127.0.0.1:${ports.sip}`,
      user: "1001",
      password: "demo-1001",
      contact: `<sip:1001@127.0.0.1:${PHONE_PORT}>`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Contact")).toContain(`127.0.0.1:${PHONE_PORT}`);
  });

  it("SIPp as the trunk calls 1001; the phone (SIPp) gets every G.711 packet through the media engine", async () => {
    const callee = run(
      "sipp",
      [
        "-sf",
        path.join(SCENARIOS, "extension-uas-late-offer.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        String(PHONE_PORT),
        "-mi",
        "127.0.0.1",
        "-mp",
        String(PHONE_MEDIA_PORT),
        "-m",
        "1",
        "-timeout",
        "45s",
        "-nostdin",
        "-trace_err",
        "-error_file",
        path.join(stack.dir, "uas-errors.log"),
      ],
      60_000,
    );
    await waitFor(() => udpPortBound(PHONE_PORT), 10_000, "the phone (SIPp) to listen");
    const caller = await run(
      "sipp",
      [
        `127.0.0.1:${ports.sip}`,
        "-sf",
        path.join(SCENARIOS, "trunk-uac-pcma.xml"),
        "-s",
        "1001",
        "-i",
        "127.0.0.1",
        "-p",
        String(TRUNK_PORT),
        "-mi",
        "127.0.0.1",
        "-mp",
        String(TRUNK_MEDIA_PORT),
        "-m",
        "1",
        "-timeout",
        "45s",
        "-nostdin",
        "-trace_err",
        "-error_file",
        path.join(stack.dir, "uac-errors.log"),
      ],
      60_000,
    );
    const answered = await callee;
    const errors = ["uac-errors.log", "uas-errors.log"]
      .map((name) => path.join(stack.dir, name))
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file, "utf8"))
      .join("\n");
    expect(caller.code, `caller: ${caller.output}\n${errors}\n${stack.output()}`).toBe(0);
    expect(answered.code, `callee: ${answered.output}\n${errors}`).toBe(0);

    capture!.kill("SIGINT");
    await new Promise((resolve) => capture!.once("exit", resolve));
    capture = undefined;

    const sent = rtpPayloads(G711A_PCAP, "rtp");
    const received = rtpPayloads(captureFile, `rtp && udp.dstport == ${PHONE_MEDIA_PORT}`);
    expect(sent.length).toBeGreaterThan(200);
    // Relayed without transcoding: the same payloads, in order, none lost on loopback.
    expect(received).toEqual(sent);

    const sip = execFileSync(
      "tshark",
      ["-r", captureFile, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"],
      {
        encoding: "utf8",
      },
    );
    expect(sip).toMatch(/INVITE/);
    expect(sip).toMatch(/BYE/);
    const malformed = execFileSync(
      "tshark",
      ["-r", captureFile, "-Y", "_ws.malformed || _ws.expert.severity == error"],
      {
        encoding: "utf8",
      },
    );
    expect(malformed.trim()).toBe("");
  }, 90_000);
});

describe("the dial plan answers what a carrier expects", () => {
  it("404 for a number that is not inbound, 486 from a busy phone, 480 for an unregistered extension", async () => {
    const busyPhone = await SipTestPhone.start({ INVITE: (request) => void request.reply(486) });
    const trunk = await SipTestPhone.start({}, TRUNK_PORT);
    try {
      const server = `127.0.0.1:${ports.sip}`;
      expect((await trunk.invite(server, "9999")).status).toBe(404);
      expect((await trunk.invite(server, "1002")).status).toBe(480);
      const registered = await busyPhone.register({
        server,
        user: "1002",
        password: "demo-1002",
        contact: `<sip:1002@127.0.0.1:${busyPhone.transport.localAddress.port}>`,
        algorithm: "MD5",
      });
      expect(registered.status).toBe(200);
      const busy = await trunk.invite(server, "1002");
      expect(busy.status).toBe(486);
      const calls = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
      expect(calls.status).toBe(200);
    } finally {
      await busyPhone.close();
      await trunk.close();
    }
  }, 60_000);
});
