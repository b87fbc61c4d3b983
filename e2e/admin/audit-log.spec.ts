import fs from "node:fs";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

test("[ADMIN][AUDIT]: names, changed fields only, filters and a CSV of what the filters show", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  const post = (path: string, json: unknown) => page.request.post(`/api/trpc/${path}`, { data: { json } });
  expect(
    (
      await post("dn.set", {
        number: "1777",
        type: "extension",
        displayName: "Audit desk",
        password: "audit-pw-1",
      })
    ).ok(),
  ).toBe(true);
  expect(
    (
      await post("dn.set", {
        number: "1777",
        type: "extension",
        displayName: 'Audit desk, "north"',
        password: "audit-pw-2",
      })
    ).ok(),
  ).toBe(true);
  expect((await post("dn.delete", { number: "1777" })).ok()).toBe(true);

  await page.goto("/admin/audit");
  const filters = page.getByRole("form", { name: "Filter the audit log" });
  await filters.getByLabel("Object type").selectOption("Dn");
  await filters.getByLabel("Object (number or name)").fill("1777");
  const table = page.getByRole("table", { name: "Audit events" });
  const rows = table.getByTestId("audit-row");
  await expect(rows).toHaveCount(3);
  // Newest first: the deletion keeps the DN's number although the DN is gone.
  await expect(rows.nth(0)).toContainText("dn.delete");
  await expect(rows.nth(0)).toContainText("DN 1777");
  const update = rows.nth(1);
  await expect(update).toContainText("admin");
  await expect(update).toContainText("dn.update");
  // Only what changed: the name and the password (as "changed", never a value).
  await expect(update.locator("li")).toHaveText([
    'displayName: Audit desk → Audit desk, "north"',
    "password: changed",
  ]);
  await expect(page.getByRole("navigation", { name: "Audit log pages" })).toContainText("1–3 of 3");

  await filters.getByLabel("Action").selectOption("dn.update");
  await expect(rows).toHaveCount(1);
  await filters.getByLabel("Person").selectOption("admin");
  await expect(rows).toHaveCount(1);
  // A date range before today finds nothing.
  await filters.getByLabel("To", { exact: true }).fill("2020-01-01");
  await expect(table).toContainText("No change matches these filters.");
  await filters.getByLabel("To", { exact: true }).fill("");
  await expect(rows).toHaveCount(1);

  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^forkline-audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs.readFileSync((await download.path())!, "utf8");
  const lines = csv.split("\r\n");
  expect(lines[0]).toBe("time,username,name,via,action,object type,object,object id,changes");
  expect(lines.slice(1).filter(Boolean)).toHaveLength(1);
  expect(lines[1]).toMatch(
    /^\d{4}-\d{2}-\d{2}T[\d:.]+Z,admin,,web,dn.update,Dn,1777,1777,"displayName: Audit desk → Audit desk, ""north""; password: changed"$/,
  );
  await expect(page.getByText("Downloaded 1 event.")).toBeVisible();

  // The filters are in the address: a reload, or the link opened by someone else, shows the same.
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  await filters.getByLabel("From", { exact: true }).fill(today);
  await filters.getByLabel("To", { exact: true }).fill(today);
  await expect(rows).toHaveCount(1);
  const query = `?who=admin&action=dn.update&type=Dn&object=1777&from=${today}&to=${today}`;
  await expect(page).toHaveURL((url) => url.pathname === "/admin/audit" && url.search === query);
  const expectFiltered = async (on: typeof page) => {
    const form = on.getByRole("form", { name: "Filter the audit log" });
    await expect(form.getByLabel("Person")).toHaveValue("admin");
    await expect(form.getByLabel("Action")).toHaveValue("dn.update");
    await expect(form.getByLabel("Object type")).toHaveValue("Dn");
    await expect(form.getByLabel("Object (number or name)")).toHaveValue("1777");
    await expect(form.getByLabel("From", { exact: true })).toHaveValue(today);
    await expect(form.getByLabel("To", { exact: true })).toHaveValue(today);
    const shown = on.getByRole("table", { name: "Audit events" }).getByTestId("audit-row");
    await expect(shown).toHaveCount(1);
    await expect(shown.nth(0)).toContainText("dn.update");
  };
  await page.reload();
  await expectFiltered(page);
  const shared = await page.context().newPage();
  await shared.goto(`/admin/audit${query}`);
  await expectFiltered(shared);
  // A link with what is not a filter (an unknown object type, a bad day) shows those left out.
  await shared.goto("/admin/audit?type=Nope&from=2026-99-99&object=1777");
  await expect(shared.getByLabel("Object type")).toHaveValue("");
  await expect(shared.getByLabel("From", { exact: true })).toHaveValue("");
  await expect(shared.getByRole("table", { name: "Audit events" }).getByTestId("audit-row")).toHaveCount(3);
  await shared.close();
  await filters.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).toHaveURL((url) => url.pathname === "/admin/audit" && url.search === "");
  // The names were written into the rows themselves.
  expect(
    readDb((db) =>
      db
        .prepare(
          "select actorUsername, entityName from AuditEvent where action = 'dn.delete' and entityId = '1777'",
        )
        .get(),
    ),
  ).toEqual({ actorUsername: "admin", entityName: "1777" });
});
