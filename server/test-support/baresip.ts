import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { udpPortBound, waitFor } from "../../common/test-support/waiting";

/** Whether baresip (the Debian package) is installed, with the SDES module the SRTP tests need. */
export function baresipAvailable(): string | undefined {
  try {
    execFileSync("baresip", ["-h"], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "baresip is not installed";
  }
  if (!fs.existsSync("/usr/lib/baresip/modules/srtp.so"))
    return "baresip has no srtp module (/usr/lib/baresip/modules/srtp.so)";
  return undefined;
}

export interface BaresipOptions {
  /** Its SIP address is 127.0.0.1:`sipPort` (UDP). */
  sipPort: number;
  /** Its RTP port range (RTCP on the next port of each). */
  rtp: { min: number; max: number };
  /** The account line: `<sip:user@host>;param=…` (see baresip's accounts file). */
  account: string;
  /** What it says into its microphone: a 16-bit 8 kHz mono WAV. */
  microphone: string;
  /** Load the SDES module (srtp.so); the account picks `mediaenc=srtp|srtp-mand`. */
  srtp: boolean;
  /** Commands run once it is ready (`-e`), e.g. `/dial sip:…`. */
  commands?: string[];
  /** Print every SIP message it sends and receives (`-s`). */
  sipTrace?: boolean;
}

export interface Baresip {
  readonly dir: string;
  /** Everything it printed so far. */
  said(): string;
  /** Resolves when its output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /**
   * The WAV files sndfile wrote of what it heard (`-dec`, decoded from the network) and said
   * (`-enc`), one pair per call.
   */
  dumps(kind: "dec" | "enc"): string[];
  stop(): Promise<void>;
}

/**
 * baresip 1.0 as an independent SIP phone: no sound card (aufile is the microphone, aubridge the
 * speaker), sndfile dumping the decoded audio it heard, ready when it says so and its SIP port is
 * bound. It never registers itself (regint=0 belongs in the account): this baresip answers only an
 * MD5 digest challenge and the SIP Server offers SHA-256 first, so a test registers its Contact.
 */
export async function startBaresip(options: BaresipOptions): Promise<Baresip> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-baresip-"));
  fs.writeFileSync(
    path.join(dir, "config"),
    [
      `sip_listen 127.0.0.1:${options.sipPort}`,
      "sip_transports udp",
      `audio_source aufile,${options.microphone}`,
      "audio_player aubridge,nowhere",
      "audio_alert aubridge,nowhere",
      "ausrc_srate 8000",
      "ausrc_channels 1",
      `rtp_ports ${options.rtp.min}-${options.rtp.max}`,
      `snd_path ${dir}`,
      "module_path /usr/lib/baresip/modules",
      "module g711.so",
      "module aufile.so",
      "module aubridge.so",
      "module sndfile.so",
      ...(options.srtp ? ["module srtp.so"] : []),
      "module_app account.so",
      // menu carries out answermode=auto and the -e commands.
      "module_app menu.so",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(dir, "accounts"), `${options.account}\n`);
  const args = [
    "-f",
    dir,
    ...(options.sipTrace === true ? ["-s"] : []),
    ...(options.commands ?? []).flatMap((command) => ["-e", command]),
  ];
  const child: ChildProcess = spawn("baresip", args, { stdio: ["ignore", "pipe", "pipe"] });
  let said = "";
  child.stdout!.on("data", (chunk: Buffer) => (said += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (said += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const phone: Baresip = {
    dir,
    said: () => said,
    waitFor: (pattern, timeoutMs = 10_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`baresip exited (${child.exitCode}):\n${said}`);
          return pattern.test(said);
        },
        timeoutMs,
        () => `baresip to say ${String(pattern)}:\n${said}`,
      ),
    dumps: (kind) =>
      fs
        .readdirSync(dir)
        .filter((file) => file.startsWith("dump-") && file.endsWith(`-${kind}.wav`))
        .sort()
        .map((file) => path.join(dir, file)),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
  try {
    await waitFor(
      () => said.includes("baresip is ready") && udpPortBound(options.sipPort),
      10_000,
      () => `baresip to be ready:\n${said}`,
    );
  } catch (error) {
    await phone.stop();
    throw error;
  }
  return phone;
}
