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
  // A supervisor lands on the dashboard; the configuration is read-only for them.
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.getByRole("link", { name: "Configuration" }).click();
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

test("[ADMIN][PASSWORD_RESET]: a new password ends the user's sessions and, when asked, revokes their API tokens", async ({
  page,
  browser,
  playwright,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin/users");
  const add = page.getByRole("form", { name: "Add a user" });
  await add.getByLabel("Username").fill("rita");
  await add.getByLabel("Password").fill("rita-password-1");
  await add.getByRole("button", { name: "Add user" }).click();
  await expect(add.getByRole("status")).toHaveText("Created user rita (agent).");

  // Rita is signed in elsewhere, and a script of hers uses an API token.
  const created = await page.request.post("/api/trpc/apiToken.create", {
    data: { json: { name: "rita's script", username: "rita" } },
  });
  const token = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json
    .token;
  const api = await playwright.request.newContext({
    baseURL: `http://127.0.0.1:${E2E.httpPort}`,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const ritaContext = await browser.newContext();
  const rita = await ritaContext.newPage();
  await signIn(rita, "rita", "rita-password-1");
  expect((await rita.request.get("/api/trpc/auth.whoami")).status()).toBe(200);
  expect((await api.get("/api/trpc/auth.whoami")).status()).toBe(200);

  const row = page.getByTestId("user-row-rita");
  await row.getByRole("button", { name: "Reset password of rita" }).click();
  const reset = row.getByRole("form", { name: "New password for rita" });
  await reset.getByLabel("New password for rita").fill("short");
  await reset.getByRole("button", { name: "Save password" }).click();
  await expect(reset.getByText("password must be at least 8 characters")).toBeVisible();
  await reset.getByLabel("New password for rita").fill("rita-password-2");
  await reset.getByLabel("Also revoke their API tokens").check();
  await reset.getByRole("button", { name: "Save password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "New password for rita" })).toHaveText(
    "New password for rita: their sessions ended and their API tokens were revoked.",
  );

  expect((await rita.request.get("/api/trpc/auth.whoami")).status()).toBe(401);
  expect((await api.get("/api/trpc/auth.whoami")).status()).toBe(401);
  expect(
    readDb((db) =>
      db
        .prepare(
          "select (select count(*) from ApiToken t join User u on u.id = t.userId where u.username = 'rita') as tokens, (select count(*) from Session s join User u on u.id = s.userId where u.username = 'rita') as sessions",
        )
        .get(),
    ),
  ).toEqual({ tokens: 0, sessions: 0 });
  await signIn(rita, "rita", "rita-password-2");
  await api.dispose();
  await ritaContext.close();
});

test("[ADMIN][USER_DISABLE]: a disabled user is signed out and cannot sign in until enabled again", async ({
  page,
  browser,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin/users");
  const add = page.getByRole("form", { name: "Add a user" });
  await add.getByLabel("Username").fill("vic");
  await add.getByLabel("Password").fill("vic-password-1");
  await add.getByRole("button", { name: "Add user" }).click();
  await expect(add.getByRole("status")).toHaveText("Created user vic (agent).");
  const vicContext = await browser.newContext();
  const vic = await vicContext.newPage();
  await signIn(vic, "vic", "vic-password-1");
  const disabled = () =>
    readDb(
      (db) =>
        (db.prepare("select disabled from User where username = 'vic'").get() as { disabled: number })
          .disabled,
    );

  const row = page.getByTestId("user-row-vic");
  await row.getByRole("button", { name: "Disable vic" }).click();
  const status = page.getByRole("status").filter({ hasText: "vic" });
  await expect(status).toHaveText(
    "Disabled vic: signed out everywhere; their API tokens and softphone stop working until enabled.",
  );
  await expect(status).toBeFocused();
  await expect(row).toContainText("disabled");
  expect(disabled()).toBe(1);
  expect((await vic.request.get("/api/trpc/auth.whoami")).status()).toBe(401);
  await vic.goto("/login");
  await vic.getByLabel("Username").fill("vic");
  await vic.getByLabel("Password").fill("vic-password-1");
  await vic.getByRole("button", { name: "Sign in" }).click();
  await expect(vic.getByRole("alert").filter({ hasText: "disabled" })).toHaveText(
    "This account is disabled. Ask an admin to enable it.",
  );

  await row.getByRole("button", { name: "Enable vic" }).click();
  await expect(status).toHaveText("Enabled vic.");
  expect(disabled()).toBe(0);
  await signIn(vic, "vic", "vic-password-1");
  await vicContext.close();
});
