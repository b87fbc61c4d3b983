import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

test("[ADMIN][FORMS]: every problem shows next to its field at once, and inputs stop at the server's limits", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin");
  const dn = page.getByRole("form", { name: "Add or update a DN" });
  const number = dn.getByLabel("Number");
  const displayName = dn.getByLabel("Display name");
  const password = dn.getByLabel("SIP password");
  await expect(number).toHaveAttribute("maxlength", "32");
  await expect(displayName).toHaveAttribute("maxlength", "64");
  await expect(password).toHaveAttribute("maxlength", "128");
  // A 300-character name stops at 64.
  await displayName.fill("x".repeat(300));
  await expect(displayName).toHaveValue("x".repeat(64));
  await number.fill("bad number!");
  await password.fill("abc");
  await dn.getByRole("button", { name: "Save DN" }).click();
  // Both problems at once, each described on its own field.
  await expect(number).toHaveAttribute("aria-invalid", "true");
  await expect(number).toHaveAccessibleDescription(/DN number: 1–32 letters/);
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription("SIP password must be at least 6 characters");
  await expect(displayName).not.toHaveAttribute("aria-invalid");
  await expect(dn.getByRole("alert")).toContainText("DN number");
  await expect(dn.getByRole("alert")).toContainText("SIP password must be at least 6 characters");
  // Fixing one field clears its message only.
  await password.fill("good-secret-1");
  await expect(password).not.toHaveAttribute("aria-invalid");
  await expect(number).toHaveAttribute("aria-invalid", "true");
  expect(readDb((db) => db.prepare("select count(*) as n from Dn where number like 'bad%'").get())).toEqual({
    n: 0,
  });

  // The server's refusal lands on its field too: an existing number.
  await number.fill("1001");
  await dn.getByRole("button", { name: "Save DN" }).click();
  await expect(number).toHaveAccessibleDescription(/1001 already exists/);

  const recorder = page.getByRole("form", { name: "Add a recorder" });
  await expect(recorder.getByLabel("Recorder name")).toHaveAttribute("maxlength", "64");
  await expect(recorder.getByLabel("SIP URI")).toHaveAttribute("maxlength", "256");
  await recorder.getByLabel("Recorder name").fill("bad/name");
  await recorder.getByLabel("SIP URI").fill("http://nope");
  await recorder.getByRole("button", { name: "Save recorder" }).click();
  await expect(recorder.getByLabel("Recorder name")).toHaveAccessibleDescription(/recorder name: 1–64/);
  await expect(recorder.getByLabel("SIP URI")).toHaveAccessibleDescription(/recorder URI must be sip:/);

  const agent = page.getByRole("form", { name: "Add an agent login" });
  await expect(agent.getByLabel("Login code")).toHaveAttribute("maxlength", "32");
  await expect(agent.getByLabel("Agent name")).toHaveAttribute("maxlength", "64");

  await page.goto("/admin/users");
  const user = page.getByRole("form", { name: "Add a user" });
  await expect(user.getByLabel("Username")).toHaveAttribute("maxlength", "32");
  await user.getByLabel("Username").fill("Not Valid");
  await user.getByLabel("Password").fill("short");
  await user.getByRole("button", { name: "Add user" }).click();
  await expect(user.getByLabel("Username")).toHaveAccessibleDescription(/username: 2–32 lowercase/);
  await expect(user.getByLabel("Password")).toHaveAccessibleDescription(
    "password must be at least 8 characters",
  );

  const token = page.getByRole("form", { name: "Create an API token" });
  await expect(token.getByLabel("Token name")).toHaveAttribute("maxlength", "64");
  await token.getByRole("button", { name: "Create token" }).click();
  await expect(token.getByLabel("Token name")).toHaveAccessibleDescription("give the token a name");
});

test("[ADMIN][USERS]: a row's dropdown says what it saved, and puts the old value back when refused", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  // Extension 1890 belongs to rhea; rowan has none.
  const post = (path: string, json: unknown) => page.request.post(`/api/trpc/${path}`, { data: { json } });
  expect((await post("dn.set", { number: "1890", type: "extension", password: "ext-1890-pw" })).ok()).toBe(
    true,
  );
  expect(
    (
      await post("user.create", {
        username: "rhea",
        password: "rhea-password-1",
        role: "agent",
        extension: "1890",
      })
    ).ok(),
  ).toBe(true);
  expect(
    (await post("user.create", { username: "rowan", password: "rowan-password-1", role: "agent" })).ok(),
  ).toBe(true);
  await page.goto("/admin/users");
  const row = page.getByTestId("user-row-rowan");
  await row.getByLabel("Role of rowan").selectOption("supervisor");
  await expect(page.getByTestId("users-row-status")).toHaveText(
    "Saved: rowan's role is now supervisor (was agent).",
  );
  await expect(row.getByLabel("Role of rowan")).toHaveValue("supervisor");
  expect(readDb((db) => db.prepare("select role from User where username = 'rowan'").get())).toEqual({
    role: "supervisor",
  });

  await row.getByLabel("Extension of rowan").selectOption("1890");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(
    "Not saved: rowan's extension is still none, not 1890. Extension 1890 already belongs to rhea.",
  );
  await expect(row.getByLabel("Extension of rowan")).toHaveValue("");
  await expect(page.getByTestId("users-row-status")).toHaveText("");
  expect(readDb((db) => db.prepare("select extension from User where username = 'rowan'").get())).toEqual({
    extension: null,
  });
});
