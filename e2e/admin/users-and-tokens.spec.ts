import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

test("[ADMIN][USERS]: an admin adds a supervisor, who can then sign in", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.getByRole("link", { name: "Users & tokens" }).click();
  const form = page.getByRole("form", { name: "Add a user" });
  await form.getByLabel("Username").fill("Sam Supervisor");
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("alert")).toContainText("username: 2–32 lowercase letters");
  await expect(form.getByRole("alert")).toContainText("password must be at least 8 characters");
  expect(
    readDb((db) => db.prepare("select count(*) as n from User where username like 'sam%'").get()),
  ).toEqual({ n: 0 });

  await form.getByLabel("Username").fill("sam");
  await form.getByLabel("Password").fill("sam-password-1");
  await form.getByLabel("Role").selectOption("supervisor");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("status")).toHaveText("Created user sam (supervisor).");
  await expect(page.getByTestId("user-row-sam")).toBeVisible();
  const saved = readDb(
    (db) =>
      db.prepare("select role, passwordHash from User where username = 'sam'").get() as {
        role: string;
        passwordHash: string;
      },
  );
  expect(saved.role).toBe("supervisor");
  expect(saved.passwordHash).toMatch(/^\$2[aby]\$11\$/);

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("table", { name: "Audit events" })).toContainText("user.create");

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "sam", "sam-password-1");
  await expect(page.getByRole("link", { name: "Users & tokens" })).toHaveCount(0);
  await expect(page.getByRole("switch", { name: "record 1001" })).toBeDisabled();
});

test("[ADMIN][TOKENS]: a new API token is shown once, works, and stops working when revoked", async ({
  page,
  playwright,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin/users");
  const form = page.getByRole("form", { name: "Create an API token" });
  await form.getByRole("button", { name: "Create token" }).click();
  await expect(form.getByRole("alert")).toHaveText("give the token a name");
  await form.getByLabel("Token name").fill("nightly report");
  await form.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByRole("status").locator("code").first().textContent()) ?? "";
  expect(token).toMatch(/^flt_/);
  expect(
    readDb((db) => db.prepare("select count(*) as n from ApiToken where tokenHash = ?").get(token)),
  ).toEqual({ n: 0 });

  const api = await playwright.request.newContext({
    baseURL: `http://127.0.0.1:${E2E.httpPort}`,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  expect((await api.get("/api/trpc/dn.list")).status()).toBe(200);
  await page.getByRole("button", { name: "Revoke nightly report" }).click();
  await expect(page.getByRole("button", { name: "Revoke nightly report" })).toHaveCount(0);
  expect((await api.get("/api/trpc/dn.list")).status()).toBe(401);
  await api.dispose();
});
