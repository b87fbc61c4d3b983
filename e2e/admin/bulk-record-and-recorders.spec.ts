import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

const recordOf = (number: string) =>
  readDb(
    (db) => (db.prepare("select record from Dn where number = ?").get(number) as { record: number }).record,
  );

test("[ADMIN][DN_BULK]: bulk record toggle and the record filter", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.getByRole("checkbox", { name: "select 1001" }).check();
  await page.getByRole("checkbox", { name: "select 1003" }).check();
  const bulk = page.getByRole("group", { name: "Bulk actions" });
  await expect(bulk).toContainText("2 selected");
  await bulk.getByRole("button", { name: "Turn record on" }).click();
  await expect(page.getByRole("switch", { name: "record 1001" })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("switch", { name: "record 1003" })).toHaveAttribute("aria-checked", "true");
  await expect.poll(() => [recordOf("1001"), recordOf("1003")]).toEqual([1, 1]);
  await expect(bulk).toHaveCount(0);

  await page.getByLabel("Filter by record").selectOption("on");
  await expect(page.getByTestId("dn-row-1001")).toBeVisible();
  await expect(page.getByTestId("dn-row-1002")).toHaveCount(0);

  await page.getByRole("checkbox", { name: "select 1001" }).check();
  await page.getByRole("checkbox", { name: "select 1003" }).check();
  await page
    .getByRole("group", { name: "Bulk actions" })
    .getByRole("button", { name: "Turn record off" })
    .click();
  await expect.poll(() => [recordOf("1001"), recordOf("1003")]).toEqual([0, 0]);
  await expect(page.getByTestId("dn-row-1001")).toHaveCount(0);
});

test("[ADMIN][RECORDERS]: reorder, disable and delete recorders", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  const form = page.getByRole("form", { name: "Add a recorder" });
  await form.getByLabel("Recorder name").fill("backup");
  await form.getByLabel("SIP URI").fill("sip:127.0.0.1:5999");
  await form.getByRole("button", { name: "Save recorder" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved recorder backup.");
  const positions = () =>
    readDb((db) => db.prepare("select name, position, enabled from Recorder order by position").all());

  await page.getByRole("button", { name: "Move backup up" }).click();
  await expect.poll(positions).toEqual([
    { name: "backup", position: 1, enabled: 1 },
    { name: "lab", position: 2, enabled: 1 },
  ]);
  await expect(page.getByRole("button", { name: "Move backup up" })).toBeDisabled();

  // "Test" sends OPTIONS through the SIP Server: the lab recorder answers, nobody listens at backup's.
  await page.getByRole("button", { name: "Test lab" }).click();
  await expect(page.getByTestId("recorder-test-lab")).toHaveText(/^200 OK \(\d+ ms\)$/);
  await page.getByRole("button", { name: "Test backup" }).click();
  await expect(page.getByTestId("recorder-test-backup")).toHaveText(/^408 No answer in 3 s/, {
    timeout: 10_000,
  });

  await page.getByRole("button", { name: "Disable backup" }).click();
  await expect(page.getByRole("button", { name: "Enable backup" })).toBeVisible();
  await expect.poll(positions).toEqual([
    { name: "backup", position: 1, enabled: 0 },
    { name: "lab", position: 2, enabled: 1 },
  ]);

  await page.getByRole("button", { name: "Delete backup" }).click();
  await page.getByRole("button", { name: "Confirm delete backup" }).click();
  await expect(page.getByRole("list", { name: "Recorders" })).not.toContainText("backup");
  await expect.poll(positions).toEqual([{ name: "lab", position: 1, enabled: 1 }]);
});
