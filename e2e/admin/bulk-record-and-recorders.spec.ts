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

test("[ADMIN][RECORDER_EDIT]: adding a name in use is refused, Edit changes the URI, Escape cancels", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  const recorderRow = (name: string) =>
    readDb(
      (db) => db.prepare("select uri from Recorder where name = ?").get(name) as { uri: string } | undefined,
    );
  const updates = () =>
    readDb(
      (db) =>
        (
          db
            .prepare(
              "select count(*) as n from AuditEvent where action = 'recorder.update' and entityId = 'spare'",
            )
            .get() as { n: number }
        ).n,
    );
  const add = page.getByRole("form", { name: "Add a recorder" });
  await add.getByLabel("Recorder name").fill("spare");
  await add.getByLabel("SIP URI").fill("sip:127.0.0.1:5998");
  await add.getByRole("button", { name: "Save recorder" }).click();
  await expect(add.getByRole("status")).toHaveText("Saved recorder spare.");

  // The same name again: refused, the name field marked, the saved recorder untouched.
  await add.getByLabel("Recorder name").fill("spare");
  await add.getByLabel("SIP URI").fill("sip:127.0.0.1:5997");
  await add.getByRole("button", { name: "Save recorder" }).click();
  await expect(add.getByRole("alert")).toHaveText(
    "Recorder spare already exists — edit it instead of adding it again.",
  );
  await expect(add.getByLabel("Recorder name")).toHaveAttribute("aria-invalid", "true");
  await expect(add.getByLabel("Recorder name")).toBeFocused();
  expect(await recorderRow("spare")).toEqual({ uri: "sip:127.0.0.1:5998" });

  // Edit: the name is kept (read-only), the URI takes the focus, Save updates and is audited.
  await page.getByRole("button", { name: "Edit spare" }).click();
  const edit = page.getByRole("form", { name: "Edit recorder spare" });
  await expect(edit.getByLabel("SIP URI")).toBeFocused();
  await expect(edit.getByLabel("SIP URI")).toHaveValue("sip:127.0.0.1:5998");
  await expect(edit.getByLabel("Recorder name")).toHaveAttribute("readonly", "");
  await edit.getByLabel("SIP URI").fill("sip:127.0.0.1:5996");
  await edit.getByRole("button", { name: "Save recorder" }).click();
  await expect(page.getByRole("form", { name: "Add a recorder" }).getByRole("status")).toHaveText(
    "Saved recorder spare.",
  );
  await expect.poll(() => recorderRow("spare")).toEqual({ uri: "sip:127.0.0.1:5996" });
  expect(await updates()).toBe(1);
  await expect(page.getByRole("list", { name: "Recorders" })).toContainText("sip:127.0.0.1:5996");

  // Escape leaves the edit without saving; focus returns to the row's Edit button.
  await page.getByRole("button", { name: "Edit spare" }).click();
  await page.getByRole("form", { name: "Edit recorder spare" }).getByLabel("SIP URI").fill("sip:10.1.1.1");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("form", { name: "Add a recorder" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit spare" })).toBeFocused();
  expect(await recorderRow("spare")).toEqual({ uri: "sip:127.0.0.1:5996" });

  // Leave the list as the other recorder specs expect it.
  await page.getByRole("button", { name: "Delete spare" }).click();
  await page.getByRole("button", { name: "Confirm delete spare" }).click();
  await expect.poll(() => recorderRow("spare")).toBeUndefined();
});

test("[ADMIN][COMPLIANCE]: an admin sets who may stop a full-time recording; saved and audited", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  const rule = page.getByLabel("Who may stop a full-time recording");
  await expect(rule).toHaveValue("supervisors");
  const saved = () =>
    readDb(
      (db) =>
        (
          db.prepare("select value from Setting where key = 'recording.fullTimeStop'").get() as
            { value: string } | undefined
        )?.value,
    );
  await rule.selectOption("anyone");
  await expect(page.getByRole("status").filter({ hasText: "Full-time recordings" })).toHaveText(
    "Full-time recordings can now be stopped by: anyone, agents too.",
  );
  await expect.poll(saved).toBe("anyone");
  await rule.selectOption("supervisors");
  await expect.poll(saved).toBe("supervisors");
  const audited = readDb(
    (db) =>
      db
        .prepare("select after from AuditEvent where action = 'compliance.fullTimeStop' order by at")
        .all() as { after: string }[],
  );
  expect(audited.map((a) => JSON.parse(a.after) as unknown)).toEqual([
    { fullTimeStop: "anyone" },
    { fullTimeStop: "supervisors" },
  ]);
});
