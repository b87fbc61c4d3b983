import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { activityLines, addedSince, heard, near, softphone } from "../fixtures/softphone";

test("[SOFTPHONE][CALL]: two browser softphones call each other through the media engine", async () => {
  test.setTimeout(120_000);
  const a = await softphone(440, "1002");
  const b = await softphone(1000, "1003");
  try {
    // The raw T-Library events are behind "Details" (admins and supervisors only).
    for (const page of [a.page, b.page]) await page.getByRole("button", { name: "Details" }).click();
    // What earlier specs' calls left on these DNs' activity lists (kept by the server).
    const [beforeA, beforeB] = [await activityLines(a.page), await activityLines(b.page)];
    await a.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1003");
    await a.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
    await expect(b.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", { timeout: 20_000 });
    await b.page.getByRole("button", { name: "Answer", exact: true }).click();
    await expect(a.page.getByTestId("call-status")).toHaveText("In call — 1003", { timeout: 20_000 });
    await expect(b.page.getByTestId("call-status")).toHaveText("In call — 1002");

    // Each hears the other's tone: checked by frequency, through the media engine.
    await expect.poll(async () => near(1000)(await heard(a.page)), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => near(440)(await heard(b.page)), { timeout: 20_000 }).toBe(true);

    // The CTI stream shows the same call (one ConnID) on both DNs.
    const established = async (page: Page) =>
      (await page.getByTestId("cti-event").allTextContents()).find((text) =>
        text.startsWith("EventEstablished"),
      );
    await expect.poll(() => established(a.page)).toMatch(/conn=[0-9a-f]{16} other=1003/);
    await expect.poll(() => established(b.page)).toMatch(/conn=[0-9a-f]{16} other=1002/);
    const conn = (text: string | undefined) => /conn=([0-9a-f]{16})/.exec(text ?? "")?.[1];
    expect(conn(await established(a.page))).toBe(conn(await established(b.page)));
    // The activity list says it in words.
    const answered = (lines: string[], text: string) => lines.filter((line) => line.includes(text)).length;
    await expect
      .poll(async () => answered(addedSince(beforeA, await activityLines(a.page)), "Call to 1003 answered"))
      .toBe(1);
    await expect
      .poll(async () => answered(addedSince(beforeB, await activityLines(b.page)), "Call from 1002 answered"))
      .toBe(1);

    // Hold (re-INVITE a=sendonly through the server to the media engine): the engine stops
    // sending to A, and JsSIP mutes A's microphone while on hold, so both hear silence; resume
    // brings both tones back.
    await a.page.getByRole("button", { name: "Hold" }).click();
    await expect(a.page.getByTestId("call-status")).toHaveText("On hold — 1003");
    await expect.poll(() => heard(a.page), { timeout: 15_000 }).toBeNull();
    await expect.poll(() => heard(b.page), { timeout: 15_000 }).toBeNull();
    await a.page.getByRole("button", { name: "Resume" }).click();
    await expect(a.page.getByTestId("call-status")).toHaveText("In call — 1003");
    await expect.poll(async () => near(1000)(await heard(a.page)), { timeout: 15_000 }).toBe(true);
    await expect.poll(async () => near(440)(await heard(b.page)), { timeout: 15_000 }).toBe(true);

    await b.page.getByRole("button", { name: "Hang up" }).click();
    await expect(a.page.getByTestId("call-status")).toHaveText("No call", { timeout: 15_000 });
    await expect(b.page.getByTestId("call-status")).toHaveText("No call");
    await expect
      .poll(async () =>
        (await a.page.getByTestId("cti-event").allTextContents()).some((t) => t.startsWith("EventReleased")),
      )
      .toBe(true);
    expect(a.consoleErrors).toEqual([]);
    expect(b.consoleErrors).toEqual([]);
  } finally {
    await a.browser.close();
    await b.browser.close();
  }
});
