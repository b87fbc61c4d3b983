import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { dbDate, readDb, writeDb } from "../fixtures/database";
import { setRecordSwitches } from "../fixtures/record-switches";
import { signIn } from "../fixtures/sign-in";
import { softphone } from "../fixtures/softphone";

const HOUR = 3_600_000;

/** The start of the hour `hoursAgo` before this one, on this machine's clock (Chromium's too). */
function hourStart(hoursAgo: number): Date {
  const d = new Date();
  d.setMinutes(0, 0, 0);
  return new Date(d.getTime() - hoursAgo * HOUR);
}

/** Recorded calls (not failed) and failed ones that started in [from, from + 1 h), as saved. */
function savedHour(from: Date): { recorded: number; failed: number } {
  return readDb((db) => {
    const row = db
      .prepare(
        `select sum(state <> 'failed') as recorded, sum(state = 'failed') as failed
         from RecordedCall where startedAt >= ? and startedAt < ?`,
      )
      .get(dbDate(from), dbDate(new Date(from.getTime() + HOUR))) as {
      recorded: number | null;
      failed: number | null;
    };
    return { recorded: row.recorded ?? 0, failed: row.failed ?? 0 };
  });
}

test("[SUPERVISOR][DASHBOARD]: the hour chart counts saved recorded calls; a call policy required that failed is listed and opens in the call view", async ({
  page,
}) => {
  const tag = `dash${Date.now()}`;
  const threeHoursAgo = hourStart(3);
  const at = (minutes: number) => dbDate(new Date(threeHoursAgo.getTime() + minutes * 60_000));
  writeDb((db) => {
    const call = db.prepare(
      `insert into RecordedCall (connId, callId, callerNumber, callerDn, calleeNumber, calleeDn, dns, agentIds, startedAt, endedAt, durationMs, state, sessionCount)
       values (?, ?, '+15550123', 'pstn', '1003', '1003', ' 1003 ', ' ', ?, ?, 60000, ?, 1)`,
    );
    call.run(`${tag}-1`, `sip-${tag}-1`, at(5), at(6), "complete");
    call.run(`${tag}-2`, `sip-${tag}-2`, at(20), at(21), "incomplete");
    call.run(`${tag}-3`, `sip-${tag}-3`, at(40), at(41), "complete");
    call.run(`${tag}-4`, `sip-${tag}-4`, at(50), at(50), "failed");
  });
  // Today's call full time on extension 1003 whose recording failed: policy required it.
  const failedAt = new Date(Date.now() - 60_000);
  writeDb((db) => {
    db.prepare(
      `insert into RecordingSession (id, callId, connId, side, trigger, requestedBy, dn, recorderUri, state, params, startedAt, endedAt, outcome, outcomeReason)
       values (?, ?, ?, 'destination', 'full_time_dn', 'full_time_dn:1003', '1003', 'sip:127.0.0.1:5080', 'failed', '{}', ?, ?, 'incomplete', 'no recorder took the recording')`,
    ).run(`${tag}-rec`, `sip-${tag}-f`, `${tag}-f`, dbDate(failedAt), dbDate(failedAt));
    db.prepare(
      `insert into RecordedCall (connId, callId, callerNumber, callerDn, calleeNumber, calleeDn, dns, agentIds, startedAt, endedAt, durationMs, state, sessionCount)
       values (?, ?, '+15550199', 'pstn', '1003', '1003', ' 1003 ', ' ', ?, ?, 0, 'failed', 1)`,
    ).run(`${tag}-f`, `sip-${tag}-f`, dbDate(failedAt), dbDate(failedAt));
  });

  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/dashboard");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  const bar = page.locator(`[data-testid="hour-bar"][data-from="${threeHoursAgo.toISOString()}"]`);
  const saved = savedHour(threeHoursAgo);
  expect(saved.recorded).toBeGreaterThanOrEqual(3);
  await expect(bar).toHaveAttribute("data-count", String(saved.recorded));
  await expect(bar).toHaveAttribute("data-failed", String(saved.failed));
  // The table under the chart says the same.
  await page.getByText("Show the numbers as a table").click();
  const hourText = threeHoursAgo.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  const row = page
    .getByRole("table", { name: "Recorded calls per hour" })
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: hourText, exact: true }) });
  await expect(row.getByRole("cell")).toHaveText([hourText, String(saved.recorded), String(saved.failed)]);

  // The failed full-time recording: one call that should be recorded and is not, with its reason.
  const missing = page.getByTestId(`unrecorded-${tag}-f`);
  await expect(missing).toContainText("+15550199 → 1003");
  await expect(missing).toContainText(
    "The full-time recording of the destination side failed: no recorder took the recording.",
  );
  await expect(page.getByTestId(`problem-${tag}-rec`)).toContainText("failed");
  const ratio = await page.getByTestId("compliance-ratio").textContent();
  const [recorded, required] = /(\d+) of (\d+)/
    .exec(ratio ?? "")!
    .slice(1)
    .map(Number);
  expect(recorded).toBeLessThan(required!);
  await missing.getByRole("link", { name: "Open in the call view" }).click();
  await expect(page).toHaveURL(new RegExp(`/recordings\\?text=${tag}-f$`));
  await expect(page.getByLabel("Search")).toHaveValue(`${tag}-f`);
  await expect(page.getByTestId(`recording-${tag}-rec`)).toBeVisible();
});

test("[SUPERVISOR][DASHBOARD]: a softphone call recorded full time shows live, counts as recorded, and its pause appears and ticks without a reload", async ({
  page,
}) => {
  test.setTimeout(150_000);
  await signIn(page, "admin", E2E.adminPassword);
  await setRecordSwitches(page, [
    ["1002", "false"],
    ["1003", "true"],
  ]);
  await page.goto("/dashboard");
  await expect(page.getByTestId("stat-live-calls-value")).toHaveText("0");
  const before = /(\d+) of (\d+)/.exec((await page.getByTestId("compliance-ratio").textContent()) ?? "")!;
  const [recordedBefore, requiredBefore] = [Number(before[1]), Number(before[2])];

  const customer = await softphone(440, "1002");
  const agent = await softphone(1000, "1003");
  const calls = await page.context().newPage();
  try {
    await customer.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1003");
    await customer.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();

    // Pushed to the open dashboard: the call, then its full-time recording counted as recorded.
    await expect(page.getByTestId("stat-live-calls-value")).toHaveText("1", { timeout: 15_000 });
    await expect(page.getByTestId("compliance-ratio")).toHaveText(
      new RegExp(`^${recordedBefore + 1} of ${requiredBefore + 1} calls?$`),
      { timeout: 15_000 },
    );

    // A supervisor pauses it from Live calls (another tab): the dashboard shows it without a reload.
    await calls.goto("/calls");
    const agentSide = calls
      .getByRole("listitem", { name: "call 1002 → 1003" })
      .getByRole("group", { name: "destination side" });
    await expect(agentSide.getByTestId("recording-destination")).toHaveText(
      "recording · full-time (extension)",
      {
        timeout: 15_000,
      },
    );
    await agentSide.getByRole("button", { name: "Pause" }).click();
    await expect(agentSide.getByTestId("recording-destination")).toHaveText("paused · full-time (extension)");

    const paused = page.locator('[data-testid^="paused-"]').filter({ hasText: "1002 → 1003" });
    await expect(paused).toBeVisible({ timeout: 5_000 });
    await expect(page.getByTestId("stat-paused-value")).toHaveText("1");
    const pausedFor = paused.getByTestId("paused-for");
    await expect(pausedFor).toHaveText(/^0:0\d$/);
    const first = await pausedFor.textContent();
    // It ticks: the time paused grows while the page stays as it is.
    await expect(pausedFor).not.toHaveText(first!, { timeout: 5_000 });
    await expect(paused).toContainText("by user:admin");

    const recordingId = (await paused.getAttribute("data-testid"))!.slice("paused-".length);
    const pause = readDb(
      (db) =>
        db.prepare("select pausedBy, resumedAt from RecordingPause where sessionId = ?").get(recordingId) as {
          pausedBy: string;
          resumedAt: string | null;
        },
    );
    expect(pause).toEqual({ pausedBy: "user:admin", resumedAt: null });
    expect(
      readDb((db) => db.prepare("select trigger from RecordingSession where id = ?").get(recordingId)),
    ).toEqual({ trigger: "full_time_dn" });

    await agentSide.getByRole("button", { name: "Resume" }).click();
    await expect(paused).toBeHidden({ timeout: 5_000 });
    await expect(page.getByTestId("stat-paused-value")).toHaveText("0");

    await customer.page.getByRole("button", { name: "Hang up" }).click();
    await expect(page.getByTestId("stat-live-calls-value")).toHaveText("0", { timeout: 15_000 });
    // Still recorded as policy requires once over: the recording was stopped with the call.
    await expect(page.getByTestId("compliance-ratio")).toHaveText(
      new RegExp(`^${recordedBefore + 1} of ${requiredBefore + 1} calls?$`),
    );
    // The chart's current hour counts it, as the database does.
    const now = hourStart(0);
    await expect
      .poll(
        () =>
          page
            .locator(`[data-testid="hour-bar"][data-from="${now.toISOString()}"]`)
            .getAttribute("data-count"),
        {
          timeout: 10_000,
        },
      )
      .toBe(String(savedHour(now).recorded));
    expect(customer.consoleErrors).toEqual([]);
    expect(agent.consoleErrors).toEqual([]);
  } finally {
    await calls.close();
    await customer.browser.close();
    await agent.browser.close();
  }
});
