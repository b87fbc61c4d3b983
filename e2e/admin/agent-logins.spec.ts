import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";

const agentRow = (code: string) =>
  readDb(
    (db) =>
      db.prepare("select name, record from AgentLogin where loginCode = ?").get(code) as
        { name: string; record: number } | undefined,
  );

test("[ADMIN][AGENT_LOGINS]: an admin adds, renames, records and deletes an agent login", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin");
  const form = page.getByRole("form", { name: "Add an agent login" });
  await form.getByLabel("Login code").fill("59 x!");
  await form.getByRole("button", { name: "Save agent login" }).click();
  await expect(form.getByRole("alert")).toBeVisible();
  expect(agentRow("59 x!")).toBeUndefined();

  await form.getByLabel("Login code").fill("5099");
  await form.getByLabel("Agent name").fill("Temp");
  await form.getByRole("button", { name: "Save agent login" }).click();
  await expect(form.getByText("Saved agent login 5099.")).toBeVisible();
  const table = page.getByRole("table", { name: "Agent logins" });
  await expect(table.getByTestId("agent-row-5099")).toContainText("Temp");

  // Adding the same code again is refused and changes nothing (it used to rename the agent).
  await form.getByLabel("Login code").fill("5099");
  await form.getByLabel("Agent name").fill("Somebody else");
  await form.getByRole("button", { name: "Save agent login" }).click();
  await expect(form.getByRole("alert")).toHaveText(
    "Agent login 5099 already exists — edit it instead of adding it again.",
  );
  await expect(form.getByLabel("Login code")).toHaveAttribute("aria-invalid", "true");
  expect(agentRow("5099")).toEqual({ name: "Temp", record: 0 });
  await form.getByLabel("Login code").fill("");
  await form.getByLabel("Agent name").fill("");

  // Edit fills the form with the row; saving the same code renames it.
  await table.getByRole("button", { name: "Edit 5099" }).click();
  await expect(form.getByLabel("Login code")).toHaveValue("5099");
  await form.getByLabel("Agent name").fill("Temp Agent");
  await form.getByRole("button", { name: "Save agent login" }).click();
  await expect(table.getByTestId("agent-row-5099")).toContainText("Temp Agent");
  await table.getByRole("switch", { name: "record agent 5099" }).click();
  await expect.poll(() => agentRow("5099")).toEqual({ name: "Temp Agent", record: 1 });

  // Delete asks once more; Cancel keeps it, Confirm removes it.
  await table.getByRole("button", { name: "Delete 5099" }).click();
  await table.getByRole("button", { name: "Cancel" }).click();
  expect(agentRow("5099")).toBeDefined();
  await table.getByRole("button", { name: "Delete 5099" }).click();
  await table.getByRole("button", { name: "Confirm delete 5099" }).click();
  await expect(table.getByTestId("agent-row-5099")).toHaveCount(0);
  expect(agentRow("5099")).toBeUndefined();
  const audit = readDb(
    (db) =>
      db
        .prepare(
          "select action from AuditEvent where entity = 'AgentLogin' and entityId = '5099' order by at",
        )
        .all() as { action: string }[],
  );
  expect(audit.map((a) => a.action)).toEqual([
    "agentLogin.create",
    "agentLogin.update",
    "agentLogin.update",
    "agentLogin.delete",
  ]);
});
