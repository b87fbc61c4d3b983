import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";
import { playbackAction } from "./recording-media-endpoint";

const ports = {
  http: 3216,
  sip: 6061,
  mediaSip: 6071,
  mediaHttp: 6072,
  recorderSip: 6081,
  recorderHttp: 6082,
  rtpMin: 48600,
  rtpMax: 48799,
};
const BASE = `http://127.0.0.1:${ports.http}`;
let stack: TestStack;
let adminToken: string;
const cookies: Record<string, string> = {};

async function trpc(procedure: string, input: unknown, auth: Record<string, string>) {
  const response = await fetch(`${BASE}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ json: input }),
  });
  expect([procedure, response.status]).toEqual([procedure, 200]);
  return response;
}

/** Creates a user of `role` and signs it in: its session cookie. */
async function signedIn(username: string, role: "agent" | "supervisor"): Promise<string> {
  await trpc(
    "user.create",
    { username, password: "playback-password", role },
    {
      authorization: `Bearer ${adminToken}`,
    },
  );
  const login = await trpc("auth.login", { username, password: "playback-password" }, {});
  return (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

function sql(run: (db: Database.Database) => void): void {
  const db = new Database(path.join(stack.dir, "forkline.db"));
  try {
    run(db);
  } finally {
    db.close();
  }
}

function auditRows(recordingId: string): { actor: string; action: string; after: string }[] {
  const db = new Database(path.join(stack.dir, "forkline.db"), { readonly: true });
  try {
    return db
      .prepare("select actor, action, after from AuditEvent where entityId = ? order by at, rowid")
      .all(recordingId) as { actor: string; action: string; after: string }[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  stack = await startTestStack(ports);
  adminToken = fs.readFileSync(path.join(stack.dir, "forkline.api-token"), "utf8").trim();
  cookies.supervisor = await signedIn("sup-play", "supervisor");
  cookies.agent = await signedIn("agent-play", "agent");
  // Two finished recordings as the server leaves them: one on the lab recorder (its WAV made by
  // sox in the recorder's folder, as the recorder names it), one on a third-party recorder.
  sql((db) => {
    const insert = db.prepare(
      `insert into RecordingSession (id, callId, connId, side, trigger, recorderUri, state, startedAt, endedAt, segments, outcome)
       values (?, 'call-1', 'conn-1', 'source', 'full_time_dn', ?, 'stopped', ?, ?, ?, 'complete')`,
    );
    const now = Date.now();
    insert.run("rec-play-1", `sip:127.0.0.1:${ports.recorderSip}`, now - 2000, now, 2);
    insert.run("rec-elsewhere", "sip:rec.example:5060", now - 2000, now, 1);
  });
  const dir = path.join(stack.dir, "recordings");
  // Two channels at 8 kHz: a tone on the first (customer), silence on the second (agent).
  execFileSync("sox", [
    "-n",
    "-r",
    "8000",
    "-b",
    "16",
    "-c",
    "1",
    path.join(dir, "l.wav"),
    "synth",
    "1",
    "sine",
    "440",
  ]);
  execFileSync("sox", ["-n", "-r", "8000", "-b", "16", "-c", "1", path.join(dir, "r.wav"), "trim", "0", "1"]);
  execFileSync("sox", [
    "-M",
    path.join(dir, "l.wav"),
    path.join(dir, "r.wav"),
    path.join(dir, "rec-play-1.wav"),
  ]);
  fs.copyFileSync(path.join(dir, "rec-play-1.wav"), path.join(dir, "rec-play-1.seg2.wav"));
  fs.writeFileSync(
    path.join(dir, "rec-play-1.json"),
    JSON.stringify({ recordingId: "rec-play-1", pauses: [] }),
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("GET /api/recordings/<id>/audio and /metadata through the real server", () => {
  const audio = `${BASE}/api/recordings/rec-play-1/audio`;

  it("refuses the signed-out (401) and agents (403)", async () => {
    expect((await fetch(audio)).status).toBe(401);
    expect((await fetch(audio, { headers: { cookie: "forkline_session=nonsense" } })).status).toBe(401);
    const agent = await fetch(audio, { headers: { cookie: cookies.agent ?? "" } });
    expect([agent.status, await agent.text()]).toEqual([
      403,
      "Recordings are for supervisors; you are agent.\n",
    ]);
  });

  it("streams the lab recorder's WAV to a supervisor: whole (200), a range (206), a download, the metadata", async () => {
    const wav = fs.readFileSync(path.join(stack.dir, "recordings", "rec-play-1.wav"));
    const headers = { cookie: cookies.supervisor ?? "" };
    const whole = await fetch(audio, { headers });
    expect([whole.status, whole.headers.get("content-type"), whole.headers.get("content-length")]).toEqual([
      200,
      "audio/wav",
      String(wav.length),
    ]);
    expect(Buffer.from(await whole.arrayBuffer()).equals(wav)).toBe(true);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");

    const part = await fetch(audio, { headers: { ...headers, range: "bytes=100-199" } });
    expect([part.status, part.headers.get("content-range"), part.headers.get("content-length")]).toEqual([
      206,
      `bytes 100-199/${wav.length}`,
      "100",
    ]);
    expect(Buffer.from(await part.arrayBuffer()).equals(wav.subarray(100, 200))).toBe(true);
    const beyond = await fetch(audio, { headers: { ...headers, range: `bytes=${wav.length}-` } });
    expect([beyond.status, beyond.headers.get("content-range")]).toEqual([416, `bytes */${wav.length}`]);
    // Every answer is read to its end, as a browser does: an unread body holds its connection.
    await beyond.arrayBuffer();

    const download = await fetch(`${audio}?download=1`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect([download.status, download.headers.get("content-disposition")]).toEqual([
      200,
      'attachment; filename="rec-play-1.wav"',
    ]);
    await download.arrayBuffer();
    const second = await fetch(`${audio}?segment=2`, { headers: { ...headers, range: "bytes=0-43" } });
    expect([second.status, second.headers.get("content-range")]).toEqual([206, `bytes 0-43/${wav.length}`]);
    await second.arrayBuffer();

    const metadata = await fetch(`${BASE}/api/recordings/rec-play-1/metadata?download=1`, { headers });
    expect([metadata.status, metadata.headers.get("content-type"), await metadata.json()]).toEqual([
      200,
      "application/json",
      { recordingId: "rec-play-1", pauses: [] },
    ]);
    for (const [url, status] of [
      [`${BASE}/api/recordings/no-such-recording/audio`, 404],
      [`${audio}?segment=3`, 404],
      [`${audio}?segment=0`, 400],
      [`${BASE}/api/recordings/rec-play-1/metadata?segment=2`, 404],
    ] as const) {
      const response = await fetch(url, { headers });
      expect([url, response.status]).toEqual([url, status]);
      await response.arrayBuffer();
    }
  });

  it("audits each listen and download (who, which recording), not the ranges a player seeks with", async () => {
    const rows = auditRows("rec-play-1").map((row) => [
      row.actor,
      row.action,
      JSON.parse(row.after) as unknown,
    ]);
    expect(rows).toEqual([
      ["sup-play", "recording.listen", { segment: 1, file: "audio" }],
      ["admin (API token)", "recording.download", { segment: 1, file: "audio" }],
      ["sup-play", "recording.listen", { segment: 2, file: "audio" }],
      ["sup-play", "recording.download", { segment: 1, file: "metadata" }],
    ]);
    const log = await fetch(
      `${BASE}/api/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 20 } }))}`,
      { headers: { authorization: `Bearer ${adminToken}` } },
    );
    expect(JSON.stringify(await log.json())).toContain('"action":"recording.download"');
  });

  it("sends a third-party recorder's recording to its player (303), audited; refuses one without a playback URL", async () => {
    const headers = { cookie: cookies.supervisor ?? "" };
    const url = `${BASE}/api/recordings/rec-elsewhere/audio`;
    const before = await fetch(url, { headers, redirect: "manual" });
    expect([before.status, await before.text()]).toEqual([
      404,
      "Recording rec-elsewhere is kept by sip:rec.example:5060, which has no playback URL: set one on the recorder.\n",
    ]);
    await trpc(
      "recorder.set",
      {
        name: "vendor",
        uri: "sip:rec.example:5060",
        playbackUrl: "https://rec.example/play?id={id}",
        enabled: false,
      },
      { authorization: `Bearer ${adminToken}` },
    );
    const after = await fetch(url, { headers, redirect: "manual" });
    expect([after.status, after.headers.get("location")]).toEqual([
      303,
      "https://rec.example/play?id=rec-elsewhere",
    ]);
    expect(auditRows("rec-elsewhere").map((row) => [row.actor, row.action])).toEqual([
      ["sup-play", "recording.listen"],
    ]);
  });
});

describe("playbackAction", () => {
  it("counts a download, a listen from the start, and nothing for a seek", () => {
    expect(playbackAction(true, "bytes=500-")).toBe("download");
    expect(playbackAction(false, undefined)).toBe("listen");
    expect(playbackAction(false, "bytes=0-")).toBe("listen");
    expect(playbackAction(false, "bytes=500-")).toBeUndefined();
  });
});
