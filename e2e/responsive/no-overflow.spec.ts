import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { setRecordSwitches } from "../fixtures/record-switches";
import { signIn } from "../fixtures/sign-in";
import { softphone } from "../fixtures/softphone";
import {
  VIEWPORTS,
  type Viewport,
  expectNoHorizontalOverflow,
  expectReachable,
  isPhone,
} from "../fixtures/viewports";

// The demo agent: bound to extension 1001 and agent login 5001 at first start.
const AGENT = { username: "agent", password: "agent-password-1", agent: true };

/**
 * Goes to a page the way a person of that size would: on a phone through the Menu button (which
 * says it is open, and closes again once the page changes), elsewhere by the visible link.
 */
async function navigate(page: Page, viewport: Viewport, label: string) {
  const menu = page.getByRole("button", { name: "Menu" });
  const link = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true });
  if (isPhone(viewport)) {
    await expectReachable(menu, viewport);
    await expect(link).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expectReachable(link, viewport);
    const href = await link.getAttribute("href");
    await link.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(href);
    // The menu folds away once a page is chosen (even the page already shown).
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(link).toBeHidden();
  } else {
    await expect(menu).toBeHidden();
    await expectReachable(link, viewport, { primary: false });
    await link.click();
    await expect(link).toHaveAttribute("aria-current", "page");
  }
}

test("[RESPONSIVE][ADMIN]: at 390, 820 and 1280 px every admin page fits the width — Configuration's record switches and Edit/Delete, Users' Delete, the audit log, an import's dry run — through the phone menu", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, "admin", E2E.adminPassword);
  const username = `phone-${Date.now()}`;
  const created = await page.request.post("/api/trpc/user.create", {
    data: { json: { username, password: "phone-password-1", role: "agent" } },
  });
  expect(created.status()).toBe(200);
  // The phone menu by keyboard: Enter opens it, the next Tab is its first link, Escape closes it
  // and gives the focus back to the button.
  await page.setViewportSize(VIEWPORTS[0]);
  const menu = page.getByRole("button", { name: "Menu" });
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link").first()).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();

  const csv = "number,type,displayName\r\n1002,extension,Bob Agent\r\n1099,extension,No password\r\n";

  for (const viewport of VIEWPORTS) {
    await test.step(`${viewport.name} (${viewport.width} px)`, async () => {
      await page.setViewportSize(viewport);
      await expectReachable(page.getByRole("button", { name: "Sign out" }), viewport);

      await navigate(page, viewport, "Configuration");
      await expect(page.getByTestId("dn-row-1001")).toBeVisible();
      await expectNoHorizontalOverflow(page);
      for (const number of ["1001", "1002", "1003"]) {
        await expectReachable(page.getByRole("switch", { name: `record ${number}` }), viewport);
        await expectReachable(page.getByRole("button", { name: `Edit ${number}` }), viewport);
        await expectReachable(page.getByRole("button", { name: `Delete ${number}` }), viewport);
      }
      await expectReachable(page.getByRole("switch", { name: "record agent 5001" }), viewport);
      await expectReachable(page.getByRole("button", { name: "Edit 5001" }), viewport);
      await expectReachable(page.getByRole("button", { name: "Delete 5001" }), viewport);
      const recorders = page.getByRole("list", { name: "Recorders" });
      await expectReachable(recorders.getByRole("button", { name: "Edit lab" }), viewport);
      await expectReachable(recorders.getByRole("button", { name: "Test lab" }), viewport);
      await expectReachable(page.getByRole("form", { name: "Add or update a DN" }), viewport, {
        primary: false,
      });
      await expectReachable(page.getByRole("button", { name: "Save DN" }), viewport);

      await navigate(page, viewport, "Users & tokens");
      const row = page.getByTestId(`user-row-${username}`);
      await expect(row).toBeVisible();
      await expectNoHorizontalOverflow(page);
      await expectReachable(row.getByRole("button", { name: `Delete ${username}` }), viewport);
      await expectReachable(row.getByRole("button", { name: `Disable ${username}` }), viewport);
      await expectReachable(row.getByRole("button", { name: `Reset password of ${username}` }), viewport);
      await expectReachable(row.getByLabel(`Role of ${username}`), viewport, { primary: false });
      await expectReachable(page.getByRole("form", { name: "Add a user" }), viewport, { primary: false });
      await expectReachable(page.getByRole("button", { name: "Add user" }), viewport);
      await expectReachable(page.getByRole("form", { name: "Create an API token" }), viewport, {
        primary: false,
      });

      await navigate(page, viewport, "Audit log");
      const firstEvent = page.locator('table[aria-label="Audit events"] > tbody > tr').first();
      await expect(firstEvent).toBeVisible();
      await expectNoHorizontalOverflow(page);
      await expectReachable(firstEvent, viewport, { primary: false });
      // Every cell of the newest event is on screen, the last (what changed) included.
      await expectReachable(firstEvent.locator("td").last(), viewport, { primary: false });

      await navigate(page, viewport, "Import/Export");
      await expectReachable(page.getByRole("button", { name: "Download DNs (CSV)" }), viewport);
      await page
        .getByLabel("CSV file of DNs to import")
        .setInputFiles({ name: "phone.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await expect(page.getByTestId("import-summary")).toContainText("phone.csv (dry run)");
      const refused = page.getByTestId("import-line-3");
      await expect(refused).toContainText("A new extension needs a SIP password.");
      await expectNoHorizontalOverflow(page);
      await expectReachable(refused.locator("td").last(), viewport, { primary: false });
    });
  }

  // On a phone the Delete of a user is tapped, confirmed, and the user is gone from the database.
  await page.setViewportSize(VIEWPORTS[0]);
  await navigate(page, VIEWPORTS[0], "Users & tokens");
  const row = page.getByTestId(`user-row-${username}`);
  await row.getByRole("button", { name: `Delete ${username}` }).click();
  const confirm = row.getByRole("button", { name: `Confirm delete ${username}` });
  await expectReachable(confirm, VIEWPORTS[0]);
  await expectReachable(row.getByRole("button", { name: `Cancel deleting ${username}` }), VIEWPORTS[0]);
  await confirm.click();
  await expect(row).toHaveCount(0);
  expect(
    readDb((db) => db.prepare("select count(*) as n from User where username = ?").get(username)),
  ).toEqual({
    n: 0,
  });
});

test("[RESPONSIVE][SUPERVISOR][AGENT]: at 390, 820 and 1280 px a supervisor's dashboard, Live calls (a live call's side controls and options) and recordings, and the agent's softphone in a call, fit the width; on a phone the supervisor records the call and opens its player", async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signIn(page, "admin", E2E.adminPassword);
  await setRecordSwitches(page, [
    ["1001", "false"],
    ["1002", "false"],
  ]);
  const reset = await page.request.post("/api/trpc/user.update", {
    data: { json: { username: AGENT.username, password: AGENT.password } },
  });
  expect(reset.status()).toBe(200);
  const supervisor = { username: `sup-phone-${Date.now()}`, password: "sup-phone-password-1" };
  const created = await page.request.post("/api/trpc/user.create", {
    data: { json: { ...supervisor, role: "supervisor" } },
  });
  expect(created.status()).toBe(200);
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, supervisor.username, supervisor.password);

  const agent = await softphone(700, "1001", AGENT);
  const customer = await softphone(500, "1002");
  try {
    await page.goto("/calls");
    await customer.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1001");
    await customer.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();
    const call = page.getByRole("listitem", { name: "call 1002 → 1001" });
    await expect(call).toContainText("established", { timeout: 15_000 });

    for (const viewport of VIEWPORTS) {
      await test.step(`${viewport.name} (${viewport.width} px)`, async () => {
        await page.setViewportSize(viewport);
        await navigate(page, viewport, "Dashboard");
        await expect(page.getByTestId("stat-live-calls-value")).toHaveText(/^[1-9]\d*$/);
        await expectNoHorizontalOverflow(page);
        for (const stat of ["stat-live-calls", "stat-compliance", "stat-paused", "stat-problems"])
          await expectReachable(page.getByTestId(stat), viewport, { primary: false });

        await navigate(page, viewport, "Live calls");
        await expect(call).toContainText("established");
        await expectNoHorizontalOverflow(page);
        await expectReachable(call, viewport, { primary: false });
        await expectReachable(call.getByTestId("call-duration"), viewport, { primary: false });
        for (const side of ["source", "destination"]) {
          const panel = call.getByRole("group", { name: `${side} side` });
          await expectReachable(panel.getByTestId(`recording-${side}`), viewport, { primary: false });
          await expectReachable(panel.getByRole("button", { name: "Record" }), viewport);
          await expectReachable(panel.getByRole("button", { name: "Options…" }), viewport);
        }
        // The options form opens inside the card and fits it.
        const source = call.getByRole("group", { name: "source side" });
        await source.getByRole("button", { name: "Options…" }).click();
        const options = source.getByRole("form", { name: "Start source recording with options" });
        await expectReachable(options.getByLabel(/Recorder/), viewport, { primary: false });
        await expectReachable(options.getByRole("button", { name: "Start recording" }), viewport);
        await expectNoHorizontalOverflow(page);
        await source.getByRole("button", { name: "Options…" }).click();
        await expect(options).toHaveCount(0);
        await expectReachable(page.getByRole("search", { name: "Filter live calls" }), viewport, {
          primary: false,
        });

        await navigate(page, viewport, "Recordings");
        await expect(page.getByTestId("page-number")).toHaveText("Page 1");
        await expectNoHorizontalOverflow(page);
        await expectReachable(page.getByRole("search", { name: "Call filters" }), viewport, {
          primary: false,
        });
        await expectReachable(page.getByRole("button", { name: "Older →" }), viewport);

        await agent.page.setViewportSize(viewport);
        await expect(agent.page.getByTestId("call-status")).toContainText("In call");
        await expectNoHorizontalOverflow(agent.page);
        await expectReachable(agent.page.getByRole("button", { name: "Hang up" }), viewport);
        await expectReachable(agent.page.getByRole("button", { name: "Hold" }), viewport);
        await expectReachable(agent.page.getByRole("button", { name: "Transfer" }), viewport);
        await expectReachable(agent.page.getByRole("button", { name: "Record my side" }), viewport);
        await expectReachable(agent.page.getByRole("button", { name: "Unregister" }), viewport);
      });
    }

    // On a phone: the supervisor taps Record on the agent's side, the customer hangs up, and the
    // recording's player opens within the width.
    const phone = VIEWPORTS[0];
    await page.setViewportSize(phone);
    await navigate(page, phone, "Live calls");
    const destination = call.getByRole("group", { name: "destination side" });
    await destination.getByRole("button", { name: "Record" }).click();
    await expect(destination.getByTestId("recording-destination")).toHaveText(/^recording · /, {
      timeout: 10_000,
    });
    await expectReachable(destination.getByRole("button", { name: "Pause" }), phone);
    await expectReachable(destination.getByRole("button", { name: "Stop" }), phone);
    await expectNoHorizontalOverflow(page);
    // A recorder that refuses raises an alarm: the banner fits, and its Acknowledge is a 40 px target.
    const source = call.getByRole("group", { name: "source side" });
    await source.getByRole("button", { name: "Options…" }).click();
    await source.getByLabel(/Recorder/).fill(`sip:nobody@127.0.0.1:${E2E.sipPort}`);
    await source.getByRole("button", { name: "Start recording" }).click();
    await expect(source.getByTestId("recording-source")).toHaveText(/^failed/, { timeout: 15_000 });
    const alarm = page
      .getByRole("region", { name: "Alarms" })
      .getByTestId("alarm")
      .filter({ hasText: `sip:nobody@127.0.0.1:${E2E.sipPort}` })
      .first();
    const acknowledge = alarm.getByRole("button", { name: /^Acknowledge alarm/ });
    await expectReachable(acknowledge, phone);
    await expectNoHorizontalOverflow(page);
    await acknowledge.click();
    await expect(alarm).toHaveCount(0);
    await customer.page.getByRole("button", { name: "Hang up" }).click();
    await expect(call).toHaveCount(0, { timeout: 10_000 });

    await navigate(page, phone, "Recordings");
    const play = page.getByRole("button", { name: /^Play recording / }).first();
    // The list refreshes every 5 s: the call just ended may need one refresh to show.
    await expect(play).toBeVisible({ timeout: 15_000 });
    await expectReachable(play, phone);
    await expectNoHorizontalOverflow(page);
    await play.click();
    const player = page.getByRole("region", { name: /^Player for recording / });
    await expect(player.getByTestId("player-time")).not.toHaveText(/\/ 0:00\.0$/, { timeout: 15_000 });
    await expectReachable(player, phone, { primary: false });
    await expectReachable(player.getByRole("button", { name: "Play", exact: true }), phone);
    await expectReachable(player.getByRole("button", { name: "Close player" }), phone);
    await expectNoHorizontalOverflow(page);
  } finally {
    await customer.browser.close();
    await agent.browser.close();
  }
});
