import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { udpPortBound, waitFor } from "../../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { rtpPayloads, sipp, sippArgs, startCapture, stopCapture } from "../test-support/sipp";
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
/** baresip as extension 1002: its SIP port and RTP range. */
const SOFTPHONE_PORT = 35001;
const SOFTPHONE_RTP = { min: 35010, max: 35019 };

let stack: TestStack;
let phone: SipTestPhone;
let capture: ChildProcess | undefined;
let captureFile: string;

beforeAll(async () => {
  stack = await startTestStack(ports);
  captureFile = path.join(stack.dir, "call.pcapng");
  capture = await startCapture({
    iface: "lo",
    filter: `udp port ${ports.sip} or udp dst port ${PHONE_MEDIA_PORT}`,
    file: captureFile,
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
    const callee = sippOnce(
      "extension-uas-late-offer.xml",
      PHONE_PORT,
      PHONE_MEDIA_PORT,
      path.join(stack.dir, "uas-errors.log"),
    );
    await waitFor(() => udpPortBound(PHONE_PORT), 10_000, "the phone (SIPp) to listen");
    const caller = await trunkCalls("1001", path.join(stack.dir, "uac-errors.log"));
    const answered = await callee;
    const errors = ["uac-errors.log", "uas-errors.log"]
      .map((name) => path.join(stack.dir, name))
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file, "utf8"))
      .join("\n");
    expect(caller.code, `caller: ${caller.output}\n${errors}\n${stack.output()}`).toBe(0);
    expect(answered.code, `callee: ${answered.output}\n${errors}`).toBe(0);

    await stopCapture(capture!);
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

/** SIPp running `scenario` once from 127.0.0.1:`port` (RTP on `mediaPort`), for 45 s at most. */
function sippOnce(
  scenario: string,
  port: number,
  mediaPort: number,
  errorFile: string,
  caller: { remote?: string; service?: string } = {},
) {
  return sipp(
    sippArgs({
      scenario: path.join(SCENARIOS, scenario),
      port,
      mediaPort,
      timeout: "45s",
      errorFile,
      ...caller,
    }),
    60_000,
  );
}

/** SIPp as the demo trunk: calls `number` with G.711 A-law, plays g711a.pcap for 9 s, hangs up. */
function trunkCalls(number: string, errorFile: string) {
  return sippOnce("trunk-uac-pcma.xml", TRUNK_PORT, TRUNK_MEDIA_PORT, errorFile, {
    remote: `127.0.0.1:${ports.sip}`,
    service: number,
  });
}

describe("a real softphone (baresip) as the extension", () => {
  it("auto-answers a trunk call through the stack; RTP flows both ways through the media engine", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-baresip-"));
    const tone = path.join(dir, "tone.wav");
    // No sound card here: the microphone is a WAV of a 440 Hz tone (aufile), the speaker a
    // bridge to nowhere (aubridge). ausine would do but takes stereo only, which 1.0 cannot mix down.
    execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", tone, "synth", "30", "sine", "440"]);
    fs.writeFileSync(
      path.join(dir, "config"),
      [
        `sip_listen 127.0.0.1:${SOFTPHONE_PORT}`,
        "sip_transports udp",
        `audio_source aufile,${tone}`,
        "audio_player aubridge,nowhere",
        "audio_alert aubridge,nowhere",
        "ausrc_srate 8000",
        "ausrc_channels 1",
        `rtp_ports ${SOFTPHONE_RTP.min}-${SOFTPHONE_RTP.max}`,
        "module_path /usr/lib/baresip/modules",
        "module g711.so",
        "module aufile.so",
        "module aubridge.so",
        "module_app account.so",
        // menu carries out answermode=auto.
        "module_app menu.so",
        "",
      ].join("\n"),
    );
    // regint=0: baresip does not register itself. The baresip of this distribution (1.0.0 on
    // libre 1.x) gives up on a 401 whose first challenge is not MD5 (libre's sip/auth.c:
    // ENOSYS, "Register: Function not implemented"), and the SIP Server offers SHA-256 first,
    // MD5 second (RFC 8760 order). So this test registers baresip's address as 1002's Contact
    // with its own digest client; baresip is then reached, rings and answers as a phone does.
    fs.writeFileSync(
      path.join(dir, "accounts"),
      `<sip:1002@127.0.0.1:${ports.sip}>;auth_pass=demo-1002;answermode=auto;regint=0;audio_codecs=PCMA\n`,
    );
    // Each from a phone of its own: a REGISTER's Call-ID is its phone's, and a registrar takes
    // a second one of the same Call-ID only with a higher CSeq (RFC 3261 §10.3 step 7).
    const register = async (expires: number) => {
      const registrar = await SipTestPhone.start();
      try {
        return await registrar.register({
          server: `127.0.0.1:${ports.sip}`,
          user: "1002",
          password: "demo-1002",
          contact: `<sip:1002@127.0.0.1:${SOFTPHONE_PORT}>`,
          expires,
        });
      } finally {
        await registrar.close();
      }
    };
    expect((await register(300)).status).toBe(200);

    const softphone = spawn("baresip", ["-f", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    softphone.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    softphone.stderr.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const media = path.join(dir, "media.pcapng");
    let mediaCapture: ChildProcess | undefined;
    try {
      await waitFor(
        () => said.includes("baresip is ready") && udpPortBound(SOFTPHONE_PORT),
        10_000,
        () => `baresip:\n${said}`,
      );
      mediaCapture = await startCapture({
        iface: "lo",
        filter: `udp dst port ${TRUNK_MEDIA_PORT} or udp dst portrange ${SOFTPHONE_RTP.min}-${SOFTPHONE_RTP.max}`,
        file: media,
      });
      const errorFile = path.join(dir, "uac-errors.log");
      const caller = await trunkCalls("1002", errorFile);
      const errors = fs.existsSync(errorFile) ? fs.readFileSync(errorFile, "utf8") : "";
      expect(caller.code, `caller: ${caller.output}\n${errors}\nbaresip:\n${said}`).toBe(0);
      expect(said).toMatch(/answering call .* with 200/);
      expect(said).toMatch(/Call established/);
      await waitFor(
        () => /terminated/.test(said),
        5_000,
        () => `baresip to hang up:\n${said}`,
      );
      await stopCapture(mediaCapture);
      mediaCapture = undefined;
    } finally {
      if (mediaCapture !== undefined) await stopCapture(mediaCapture);
      const exited = new Promise((resolve) => softphone.once("exit", resolve));
      softphone.kill("SIGTERM");
      await exited;
      // 1002 is unregistered again for the dial plan's test (480 for an unregistered extension).
      expect((await register(0)).status).toBe(200);
    }
    // RTP both ways through the engine: baresip's tone to the trunk for the 9 s call (~450
    // packets at 20 ms), and the trunk's recording (g711a.pcap) to baresip, all of it.
    const toTrunk = rtpPayloads(media, `rtp && udp.dstport == ${TRUNK_MEDIA_PORT}`);
    const toSoftphone = rtpPayloads(media, `rtp && udp.dstport != ${TRUNK_MEDIA_PORT}`);
    expect(toTrunk.length).toBeGreaterThan(300);
    expect(toSoftphone).toEqual(rtpPayloads(G711A_PCAP, "rtp"));
    fs.rmSync(dir, { recursive: true, force: true });
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
