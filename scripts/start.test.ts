import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { waitFor } from "../common/test-support/waiting";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-start-"));
const ports = { http: 3121, sip: 5261, media: 5271, mediaHttp: 5272, recorder: 5281, recorderHttp: 5282 };

let launcher: ChildProcess | null = null;
let output = "";

afterAll(() => {
  if (launcher && launcher.exitCode === null) launcher.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits for the launcher's output (or state) to show `what`; the output is in the error. */
function launcherShows(predicate: () => boolean, what: string, ms = 60_000): Promise<void> {
  return waitFor(predicate, ms, () => `${what}; output:\n${output}`, 100);
}

/** `npm start` on this test's ports and data folder; its output collects in `output`. */
function startLauncher(): ChildProcess {
  output = "";
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/start.ts")], {
    cwd: root,
    env: {
      NODE_ENV: "production",
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      FORKLINE_AUTO_BUILD: "false",
      HTTP_PORT: String(ports.http),
      SIP_PORT: String(ports.sip),
      MEDIA_ENGINE_SIP_PORT: String(ports.media),
      MEDIA_ENGINE_HTTP_PORT: String(ports.mediaHttp),
      // Two media engines, as on a two-core machine: the second listens 100 ports higher.
      MEDIA_ENGINE_WORKERS: "2",
      RTP_PORT_MIN: "43000",
      RTP_PORT_MAX: "43999",
      RECORDER_SIP_PORT: String(ports.recorder),
      RECORDER_HTTP_PORT: String(ports.recorderHttp),
      DATABASE_URL: `file:${path.join(dir, "forkline.db")}`,
      RECORDINGS_DIR: path.join(dir, "recordings"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  return child;
}

async function signIn(password: string | undefined): Promise<Response> {
  return fetch(`http://127.0.0.1:${ports.http}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username: "admin", password } }),
  });
}

describe("npm start (scripts/start.ts)", () => {
  it("starts all three processes, restarts a crashed one and leaves nothing behind on Ctrl-C", async () => {
    launcher = startLauncher();
    await launcherShows(() => output.includes("Press Ctrl-C to stop."), "the ready summary", 90_000);

    // First start prints the URLs and the generated admin credentials.
    expect(output).toContain(`Web UI        http://127.0.0.1:${ports.http}`);
    const admin = /admin\s+admin\s+(\S+)/.exec(output);
    expect(admin?.[1]).toBeTruthy();

    // The server answers; the printed password works.
    expect((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status).toBe(200);
    const login = await signIn(admin?.[1]);
    expect(login.status).toBe(200);
    expect(login.headers.get("set-cookie")).toMatch(/forkline_session=.*HttpOnly/);

    // Media engine and recorder answer on their own HTTP endpoints.
    const metrics = await fetch(`http://127.0.0.1:${ports.mediaHttp}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# TYPE process_resident_memory_bytes gauge$/m);
    expect((await fetch(`http://127.0.0.1:${ports.mediaHttp + 100}/healthz`)).status).toBe(200);
    expect(output).toContain(`(sip:127.0.0.1:${ports.media + 100})`);
    // The listing needs the recorder's token (generated on first start beside the recordings).
    const listingUrl = `http://127.0.0.1:${ports.recorderHttp}/recordings`;
    expect((await fetch(listingUrl)).status).toBe(401);
    const token = fs.readFileSync(path.join(dir, "recordings", ".http-token"), "utf8").trim();
    expect(output).toContain(path.join(dir, "recordings", ".http-token"));
    const listed = await fetch(listingUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(await listed.json()).toEqual([]);

    // A crashed child comes back.
    const launcherPid = launcher.pid ?? 0;
    // Only the three services count: tsx may also run an esbuild helper under the launcher.
    const serviceOf = (pid: number) =>
      /(server|media-engine|recorder)\/main\.ts/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"))?.[1];
    const services = () =>
      childPids(launcherPid)
        .map((pid) => ({ pid, service: serviceOf(pid) }))
        .filter((c) => c.service);
    expect(
      services()
        .map((c) => c.service)
        .sort(),
    ).toEqual(["media-engine", "media-engine", "recorder", "server"]);
    const recorderPid = services().find((c) => c.service === "recorder")?.pid;
    if (!recorderPid) throw new Error(`no recorder process; output:\n${output}`);
    process.kill(recorderPid, "SIGKILL");
    await launcherShows(() => /recorder exited \(SIGKILL\); restarting/.test(output), "the restart notice");
    await launcherShows(
      () => (output.match(/forkline: recorder ready/g) ?? []).length >= 2,
      "the recorder to be ready again",
    );
    expect((await fetch(`http://127.0.0.1:${ports.recorderHttp}/healthz`)).status).toBe(200);

    // Ctrl-C stops everything.
    const children = services().map((c) => c.pid);
    expect(children).toHaveLength(4);
    launcher.kill("SIGINT");
    await launcherShows(() => launcher?.exitCode !== null, "the launcher to exit", 15_000);
    expect(launcher.exitCode).toBe(0);
    for (const pid of children) expect(alive(pid), `pid ${pid}`).toBe(false);

    // A second start on the same data does not print credentials again and keeps the data:
    // the first password still signs in.
    expect(fs.existsSync(path.join(dir, "first-start-credentials.txt"))).toBe(true);
    launcher = startLauncher();
    await launcherShows(() => output.includes("Press Ctrl-C to stop."), "the second ready summary", 90_000);
    expect(output).not.toMatch(/admin\s+admin\s+\S+/);
    expect((await signIn(admin?.[1])).status).toBe(200);
    launcher.kill("SIGINT");
    await launcherShows(() => launcher?.exitCode !== null, "the second launcher to exit", 15_000);
    expect(launcher.exitCode).toBe(0);
  }, 240_000);
});
