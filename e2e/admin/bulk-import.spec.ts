import fs from "node:fs";
import { computeDigestHa1 } from "../../protocol/sip";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";

const dnRow = (number: string) =>
  readDb(
    (db) =>
      db.prepare("select displayName, record, sipHa1Md5 from Dn where number = ?").get(number) as
        { displayName: string; record: number; sipHa1Md5: string | null } | undefined,
  );
const importAudits = () =>
  readDb(
    (db) =>
      db.prepare("select entityId, after from AuditEvent where action = 'bulk.import' order by at").all() as {
        entityId: string;
        after: string;
      }[],
  );

test("[ADMIN][BULK_IMPORT]: an admin exports DNs, edits the file, sees the dry run's diff, applies it", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.getByRole("link", { name: "Import/Export" }).click();
  await expect(page.getByRole("heading", { name: "Import and export" })).toBeVisible();

  // Export: the browser downloads the CSV.
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download DNs (CSV)" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("forkline-dns.csv");
  const exported = fs.readFileSync(await download.path(), "utf8");
  const lines = exported.split("\r\n");
  expect(lines[0]).toMatch(/^number,type,displayName,record,sipPassword,/);
  const line1002 = lines.findIndex((l) => l.startsWith("1002,extension,"));
  expect(line1002).toBeGreaterThan(0);
  const before1002 = dnRow("1002")!;

  // Edit as a spreadsheet would: rename and record 1002, add 1090 (a name with a comma is quoted).
  const cells = lines[line1002]!.split(",");
  cells[2] = "Bob Imported";
  cells[3] = "true";
  lines[line1002] = cells.join(",");
  const added = `1090,extension,"Imported, Eve",false,secret-1090${",".repeat(12)}`;
  const edited = [...lines.slice(0, -1), added, ""].join("\r\n");
  const upload = page.getByLabel("CSV file of DNs to import");

  // A file with a refused line: the reason is on its line, Apply stays disabled, nothing is written.
  const refusedFile = edited.replace(added, `1091,extension,No password,false${",".repeat(13)}`);
  await upload.setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(refusedFile) });
  await expect(page.getByTestId("import-summary")).toContainText(
    "bad.csv (dry run): 0 to create, 1 to change",
  );
  await expect(page.getByTestId("import-summary")).toContainText("1 refused");
  const badLine = page.getByTestId(`import-line-${lines.length}`);
  await expect(badLine).toContainText("refused");
  await expect(badLine).toContainText("A new extension needs a SIP password.");
  await expect(page.getByRole("button", { name: "Apply" })).toBeDisabled();
  expect(dnRow("1091")).toBeUndefined();

  // The fixed file: the dry run shows what changes, and still writes nothing.
  await upload.setInputFiles({ name: "dns.csv", mimeType: "text/csv", buffer: Buffer.from(edited) });
  const summary = page.getByTestId("import-summary");
  await expect(summary).toContainText("dns.csv (dry run): 1 to create, 1 to change");
  await expect(summary).toContainText("0 refused");
  const changeLine = page.getByTestId(`import-line-${line1002 + 1}`);
  await expect(changeLine).toContainText("1002");
  await expect(changeLine).toContainText("change");
  await expect(changeLine).toContainText(before1002.record ? "displayName" : "displayName, record");
  await expect(page.getByTestId(`import-line-${lines.length}`)).toContainText("create");
  expect(dnRow("1002")).toEqual(before1002);
  expect(dnRow("1090")).toBeUndefined();
  expect(importAudits()).toEqual([]);

  // Apply writes both lines in one transaction, audited.
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Imported dns.csv" })).toContainText(
    "1 created, 1 changed",
  );
  expect(dnRow("1002")).toMatchObject({ displayName: "Bob Imported", record: 1 });
  expect(dnRow("1090")).toEqual({
    displayName: "Imported, Eve",
    record: 0,
    sipHa1Md5: computeDigestHa1("MD5", "1090", "forkline", "secret-1090"),
  });
  const audits = importAudits();
  expect(audits.map((a) => a.entityId)).toEqual(["dn"]);
  expect(JSON.parse(audits[0]!.after)).toMatchObject({ create: 1, change: 1, refused: 0 });

  // The configuration page shows the imported DN (its list is refreshed by the config change).
  await page.getByRole("link", { name: "Configuration" }).click();
  await expect(page.getByText("Imported, Eve")).toBeVisible();

  // The first export puts 1002 back as it was (the specs after this one expect the demo DNs),
  // and 1090, which an import never deletes, goes from its row.
  await page.getByRole("link", { name: "Import/Export" }).click();
  await upload.setInputFiles({ name: "first.csv", mimeType: "text/csv", buffer: Buffer.from(exported) });
  await expect(summary).toContainText("first.csv (dry run): 0 to create, 1 to change");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Imported first.csv" })).toContainText("1 changed");
  expect(dnRow("1002")).toEqual(before1002);
  await page.getByRole("link", { name: "Configuration" }).click();
  await page.getByRole("button", { name: "Delete 1090" }).click();
  await page.getByRole("button", { name: "Confirm delete 1090" }).click();
  await expect(page.getByTestId("dn-row-1090")).toHaveCount(0);
  expect(dnRow("1090")).toBeUndefined();
});

test("[ADMIN][BULK_IMPORT]: imported users get an initial password shown once, which signs them in", async ({
  page,
  browser,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin/import");
  await page.getByLabel("Configuration").selectOption("user");
  await page.getByLabel("CSV file of users to import").setInputFiles({
    name: "users.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("username,role,disabled\r\nimported.sup,supervisor,false\r\n"),
  });
  await expect(page.getByTestId("import-summary")).toContainText("1 to create, 0 to change");
  await page.getByRole("button", { name: "Apply" }).click();
  const passwords = page.getByRole("table", { name: "Initial passwords" });
  await expect(passwords).toContainText("imported.sup");
  const password = (await passwords.locator("td.font-mono").first().textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
  expect(
    readDb((db) => db.prepare("select role, disabled from User where username = 'imported.sup'").get()),
  ).toEqual({ role: "supervisor", disabled: 0 });

  const other = await browser.newContext();
  const newUser = await other.newPage();
  await signIn(newUser, "imported.sup", password);
  await other.close();
});
