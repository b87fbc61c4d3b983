import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { setRecordSwitches } from "../fixtures/record-switches";
import { signIn } from "../fixtures/sign-in";
import { softphone } from "../fixtures/softphone";

test("[SUPERVISOR][LIVE_CALLS]: live parties and agent, dynamic start with id and params, a refusal with its reason, a failed recorder raises an alarm until acknowledged", async ({
  page,
}) => {
  test.setTimeout(150_000);
  await signIn(page, "admin", E2E.adminPassword);
  await setRecordSwitches(page, [
    ["1002", "false"],
    ["1003", "false"],
  ]);
  const recordingId = `sup-${Date.now()}`;

  const customer = await softphone(500, "1002");
  const agent = await softphone(700, "1003");
  try {
    const login = agent.page.getByRole("form", { name: "Agent login" });
    await login.getByLabel("Agent login code").fill("5002");
    await login.getByRole("button", { name: "Log in agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("Logged in as agent 5002 on 1003");

    // The page is open before the call: it appears without a reload, pushed by the subscription.
    await page.goto("/calls");
    await expect(page.getByText("No call in progress.")).toBeVisible();
    await customer.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1003");
    await customer.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
    const call = page.getByRole("listitem", { name: "call 1002 → 1003" });
    await expect(call).toBeVisible({ timeout: 20_000 });
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();
    await expect(call).toContainText("established", { timeout: 15_000 });
    await expect(call).toContainText("agent 5002");
    await expect(call.getByTestId("call-duration")).toHaveText(/^0:0[1-9]$/, { timeout: 5_000 });

    // Dynamic start on the customer's side with an id and params: the badge follows within a second
    // or two (the recorder answers), and the agent's softphone shows it.
    const source = call.getByRole("group", { name: "source side" });
    await source.getByRole("button", { name: "Options…" }).click();
    const options = source.getByRole("form", { name: "Start source recording with options" });
    await options.getByLabel(/Params/).fill("case");
    await options.getByRole("button", { name: "Start recording" }).click();
    await expect(options.getByRole("alert")).toHaveText('params: "case" is not key=value');
    await options.getByLabel(/Recording id/).fill(recordingId);
    await options.getByLabel(/Params/).fill("case=42&queue=sales");
    await options.getByRole("button", { name: "Start recording" }).click();
    await expect(source.getByTestId("recording-source")).toHaveText("recording · started by admin", {
      timeout: 5_000,
    });
    await expect(source).toContainText(`id ${recordingId}`);
    await expect(agent.page.getByTestId("recording-indicator")).toHaveText("● This call is being recorded");
    await expect(agent.page.getByTestId("recording-sides")).toHaveText("recording the other side");

    // A stop asks for confirmation and the reason; the history keeps the reason.
    await source.getByRole("button", { name: "Stop" }).click();
    const stopForm = source.getByRole("form", { name: "Stop recording the source side" });
    await expect(stopForm.getByLabel("Reason for stopping")).toBeFocused();
    await stopForm.getByLabel("Reason for stopping").fill("customer withdrew consent");
    await stopForm.getByRole("button", { name: "Confirm stop" }).click();
    await expect(source.getByTestId("recording-source")).toHaveText("stopped · started by admin");
    await expect(source.getByRole("button", { name: "Record" })).toBeFocused();
    await expect
      .poll(() =>
        readDb((db) =>
          db
            .prepare("select reason from RecordingTransition where sessionId = ? and toState = 'stopped'")
            .get(recordingId),
        ),
      )
      .toEqual({ reason: "customer withdrew consent" });

    // The same id again is refused, and the reason is on the side that was asked.
    await source.getByRole("button", { name: "Options…" }).click();
    await options.getByLabel(/Recording id/).fill(recordingId);
    await options.getByRole("button", { name: "Start recording" }).click();
    await expect(source.getByRole("alert")).toContainText("DUPLICATE_RECORDING_ID");

    // A recorder that refuses the session: the recording fails and an alarm stays up until
    // acknowledged. (The SIP Server itself is no SIPREC recorder.)
    const destination = call.getByRole("group", { name: "destination side" });
    await destination.getByRole("button", { name: "Options…" }).click();
    const destOptions = destination.getByRole("form", { name: "Start destination recording with options" });
    await destOptions.getByLabel(/Recorder/).fill(`sip:nobody@127.0.0.1:${E2E.sipPort}`);
    await destOptions.getByRole("button", { name: "Start recording" }).click();
    await expect(destination.getByTestId("recording-destination")).toHaveText("failed · started by admin", {
      timeout: 15_000,
    });
    // The agent's softphone says the call is not recorded any more.
    await expect(agent.page.getByTestId("recording-indicator")).toHaveText("Not recorded");
    const banner = page.getByRole("region", { name: "Alarms" });
    await expect(banner.getByTestId("alarm")).toContainText("Recording failed");
    // The banner is on every supervisor page, not only this one.
    await page.goto("/recordings");
    await expect(banner.getByTestId("alarm")).toContainText("Recording failed");
    await banner
      .getByRole("button", { name: /^Acknowledge alarm: Recording failed/ })
      .first()
      .click();
    await expect(banner).toBeHidden();
    // The call view finds the call by a value of its params, and filters by state: the call has
    // one stopped recording and one that failed, so it is incomplete, not failed.
    await page.getByLabel("Search").fill("queue");
    await expect(page.getByTestId(`recording-${recordingId}`)).toBeVisible();
    await page.getByLabel("Search").fill(`${recordingId}-not-there`);
    await expect(page.getByText("No call matches.")).toBeVisible();
    await page.getByLabel("Search").fill(recordingId);
    await page.getByLabel("State").selectOption("failed");
    await expect(page.getByText("No call matches.")).toBeVisible();
    await page.getByLabel("State").selectOption("incomplete");
    await expect(page.getByTestId(`recording-${recordingId}`)).toContainText("stopped");
    await customer.page.getByRole("button", { name: "Hang up" }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("No call", { timeout: 15_000 });
    await agent.page.getByRole("button", { name: "Log out agent" }).click();
    expect(customer.consoleErrors).toEqual([]);
    expect(agent.consoleErrors).toEqual([]);
  } finally {
    await customer.browser.close();
    await agent.browser.close();
  }

  const session = readDb(
    (db) =>
      db
        .prepare("select trigger, side, requestedBy, params, agentId, dn from RecordingSession where id = ?")
        .get(recordingId) as Record<string, string>,
  );
  expect(session).toMatchObject({
    trigger: "private_service",
    side: "source",
    requestedBy: "user:admin",
    dn: "1002",
  });
  expect(JSON.parse(session.params!)).toEqual({ case: "42", queue: "sales" });
  const alarm = readDb(
    (db) =>
      db
        .prepare("select kind, acknowledgedBy, acknowledgedAt from Alarm order by raisedAt desc limit 1")
        .get() as { kind: string; acknowledgedBy: string; acknowledgedAt: unknown },
  );
  expect(alarm).toMatchObject({ kind: "recorder_failed", acknowledgedBy: "admin" });
  expect(alarm.acknowledgedAt).not.toBeNull();
  const audited = readDb(
    (db) =>
      db.prepare("select count(*) as n from AuditEvent where action = 'alarm.acknowledge'").get() as {
        n: number;
      },
  );
  expect(audited.n).toBeGreaterThanOrEqual(1);
});
