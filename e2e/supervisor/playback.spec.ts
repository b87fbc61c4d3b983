import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { dbDate, readDb, writeDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

/** The e2e lab recorder's folder and SIP port (playwright.config.ts webServer.env). */
const RECORDINGS_DIR = E2E.recordingsDir;
const RECORDER_URI = `sip:127.0.0.1:${E2E.recorderSipPort}`;

/**
 * A finished 4 s recording of DN 1003 on `recorderUri` without a call: the session row as the
 * server leaves it, with a pause from 1 s to 2 s and a gap from 3 s to 3.5 s.
 */
function finishedSession(id: string, recorderUri: string): void {
  const start = Date.now() - 60_000;
  const at = (seconds: number) => dbDate(new Date(start + seconds * 1000));
  writeDb((db) => {
    db.prepare(
      `insert into RecordingSession (id, callId, connId, side, trigger, requestedBy, dn, recorderUri, state, params,
         startedAt, endedAt, segments, outcome, outcomeReason)
       values (?, 'e2e-call', ?, 'destination', 'full_time_dn', 'system', '1003', ?, 'stopped', '{}', ?, ?, 1,
         'incomplete', '0.5 s lost in 1 gap')`,
    ).run(id, `conn-${id}`, recorderUri, at(0), at(4));
    db.prepare(
      `insert into RecordingPause (id, sessionId, pausedAt, resumedAt, pausedBy, resumedBy) values (?, ?, ?, ?, 'supervisor-a', 'supervisor-a')`,
    ).run(`${id}-p`, id, at(1), at(2));
    db.prepare(
      `insert into RecordingGap (id, sessionId, startedAt, endedAt, recorderUri, reason) values (?, ?, ?, ?, ?, 'recorder stopped answering')`,
    ).run(`${id}-g`, id, at(3), at(3.5), recorderUri);
    // The call view lists calls by their summary row, which the server keeps as it records.
    db.prepare(
      `insert into RecordedCall (connId, callId, callerNumber, callerDn, calleeNumber, calleeDn, dns, agentIds,
         startedAt, endedAt, durationMs, hasPause, state, sessionCount)
       values (?, 'e2e-call', '+15550100', 'pstn', '1003', '1003', ' 1003 ', ' ', ?, ?, 4000, 1, 'incomplete', 1)`,
    ).run(`conn-${id}`, at(0), at(4));
  });
}

/**
 * A finished recording on the lab recorder, its WAV in the recorder's folder made by sox: 2
 * channels at 8 kHz, a tone on the customer's, silence on the agent's, and its JSON sidecar.
 */
function finishedRecording(id: string): void {
  finishedSession(id, RECORDER_URI);
  const wav = path.join(RECORDINGS_DIR, `${id}.wav`);
  // At half scale and without dither: a full-scale tone clips (and sox says so on stderr).
  execFileSync("sox", [
    "-D",
    "-n",
    "-r",
    "8000",
    "-b",
    "16",
    "-c",
    "2",
    wav,
    "synth",
    "4",
    "sine",
    "440",
    "gain",
    "-6",
    "remix",
    "1",
    "0",
  ]);
  fs.writeFileSync(
    path.join(RECORDINGS_DIR, `${id}.json`),
    JSON.stringify({
      recordingId: id,
      state: "finished",
      participants: [
        { participantId: "p1", aor: "sip:+15550100@pstn", dn: "pstn" },
        { participantId: "p2", aor: "sip:1003@forkline", dn: "1003" },
      ],
    }),
  );
}

test("[SUPERVISOR][PLAYBACK]: a supervisor plays a recording — two labelled waveforms, the pause and the gap, seek by click, speed 1.5×, space to play — downloads it, and the audit log has the listen and the download", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  const created = await page.request.post("/api/trpc/user.create", {
    data: { json: { username: "paula", password: "paula-password-1", role: "supervisor" } },
  });
  expect(created.status()).toBe(200);
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "paula", "paula-password-1");

  const id = `play-${Date.now()}`;
  finishedRecording(id);
  await page.goto("/recordings");
  const card = page.getByTestId(`recording-${id}`);
  await card.getByRole("button", { name: `Play recording ${id}` }).click();
  const player = card.getByRole("region", { name: `Player for recording ${id}` });

  // One waveform per channel, named after the sidecar's participants.
  await expect(player.getByRole("img", { name: /^Waveform, Channel 1 · customer · pstn$/ })).toBeVisible();
  await expect(player.getByRole("img", { name: /^Waveform, Channel 2 · agent · 1003$/ })).toBeVisible();
  await expect(player.locator("canvas")).toHaveCount(2);
  await expect(player.getByTestId("player-time")).toHaveText("0:00.0 / 0:04.0");
  // The pause and the gap, each where it was, told apart.
  await expect(player.getByTestId("player-pause")).toHaveAccessibleName(
    "Pause 0:01.0–0:02.0, paused by supervisor-a",
  );
  await expect(player.getByTestId("player-gap")).toHaveAccessibleName(
    "Gap 0:03.0–0:03.5, media lost: recorder stopped answering",
  );

  // A click at the middle of the waveforms seeks to 2 s.
  const position = player.getByRole("slider", { name: "Position" });
  const box = await position.boundingBox();
  if (box === null) throw new Error("the waveforms have no box");
  await position.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(player.getByTestId("player-time")).toHaveText(/^0:0(1\.9|2\.0|2\.1) \/ 0:04\.0$/);
  // Arrows seek by 1 s with Shift; Home goes back to the start.
  await position.press("Home");
  await position.press("Shift+ArrowRight");
  await expect(player.getByTestId("player-time")).toHaveText("0:01.0 / 0:04.0");

  await player.getByRole("combobox", { name: "Speed" }).selectOption("1.5");
  await expect
    .poll(() => player.locator("audio").evaluate((a: HTMLAudioElement) => a.playbackRate))
    .toBe(1.5);

  // Space plays and pauses; the position moves while playing.
  await position.press(" ");
  await expect(player.getByRole("button", { name: "Pause", exact: true })).toBeVisible();
  await expect(player.getByTestId("player-time")).not.toHaveText("0:01.0 / 0:04.0");
  await position.press(" ");
  await expect(player.getByRole("button", { name: "Play", exact: true })).toBeVisible();

  // The download links work through the server (HTTP 200, a WAV, as an attachment).
  const href = await player.getByRole("link", { name: "Download WAV" }).getAttribute("href");
  const download = await page.request.get(href ?? "");
  expect([
    download.status(),
    download.headers()["content-type"],
    download.headers()["content-disposition"],
  ]).toEqual([200, "audio/wav", `attachment; filename="${id}.wav"`]);
  expect((await download.body()).length).toBe(fs.statSync(path.join(RECORDINGS_DIR, `${id}.wav`)).size);
  const metadataHref = await player
    .getByRole("link", { name: "Download metadata (JSON)" })
    .getAttribute("href");
  const metadata = await page.request.get(metadataHref ?? "");
  expect([metadata.status(), ((await metadata.json()) as { recordingId: string }).recordingId]).toEqual([
    200,
    id,
  ]);

  // The audit log has who listened and who downloaded which recording.
  await expect
    .poll(() =>
      readDb((db) =>
        db
          .prepare("select actor, action, after from AuditEvent where entityId = ? order by at, rowid")
          .all(id),
      ),
    )
    .toEqual([
      { actor: "paula", action: "recording.listen", after: JSON.stringify({ segment: 1, file: "audio" }) },
      { actor: "paula", action: "recording.download", after: JSON.stringify({ segment: 1, file: "audio" }) },
      {
        actor: "paula",
        action: "recording.download",
        after: JSON.stringify({ segment: 1, file: "metadata" }),
      },
    ]);
});

test("[SUPERVISOR][PLAYBACK]: a third-party recorder's playback URL, set in the admin form, gives a link to its player through the server, audited and shown in the audit log", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin");
  const add = page.getByRole("form", { name: "Add a recorder" });
  await add.getByLabel("Recorder name").fill("vendor");
  await add.getByLabel("SIP URI").fill("sip:127.0.0.1:5999");
  // Only http(s) with {id}: a javascript: link would run in the app's origin.
  await add.getByLabel(/Playback URL/).fill("javascript:alert({id})");
  await add.getByRole("button", { name: "Save recorder" }).click();
  await expect(add.getByRole("alert")).toContainText("playback URL must be http(s)://… with {id}");
  await expect(add.getByLabel(/Playback URL/)).toHaveAttribute("aria-invalid", "true");
  await add.getByLabel(/Playback URL/).fill("https://rec.example/play?id={id}");
  await add.getByRole("button", { name: "Save recorder" }).click();
  await expect(add.getByRole("status")).toHaveText("Saved recorder vendor.");
  await expect(page.getByRole("list", { name: "Recorders" })).toContainText(
    "plays at https://rec.example/play?id={id}",
  );
  await expect
    .poll(() => readDb((db) => db.prepare("select playbackUrl from Recorder where name = 'vendor'").get()))
    .toEqual({ playbackUrl: "https://rec.example/play?id={id}" });

  try {
    const id = `vendor-${Date.now()}`;
    finishedSession(id, "sip:127.0.0.1:5999");
    await page.goto("/recordings");
    const link = page.getByTestId(`recording-${id}`).getByRole("link", { name: "Play in vendor" });
    await expect(link).toBeVisible();
    const followed = await page.request.get((await link.getAttribute("href")) ?? "", { maxRedirects: 0 });
    expect([followed.status(), followed.headers().location]).toEqual([
      303,
      `https://rec.example/play?id=${id}`,
    ]);
    expect(
      readDb((db) => db.prepare("select actor, action from AuditEvent where entityId = ?").all(id)),
    ).toEqual([{ actor: "admin", action: "recording.listen" }]);

    // The audit log shows it among the recordings' events.
    await page.goto("/admin/audit");
    await page
      .getByRole("form", { name: "Filter the audit log" })
      .getByLabel("Object type")
      .selectOption("RecordingSession");
    await expect(
      page.getByRole("table", { name: "Audit events" }).getByRole("row").filter({ hasText: id }),
    ).toContainText("recording.listen");
  } finally {
    // The other recorder specs expect the lab recorder alone.
    await page.goto("/admin");
    await page.getByRole("button", { name: "Delete vendor" }).click();
    await page.getByRole("button", { name: "Confirm delete vendor" }).click();
    await expect
      .poll(() => readDb((db) => db.prepare("select name from Recorder where name = 'vendor'").get()))
      .toBeUndefined();
  }
});
