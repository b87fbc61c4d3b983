import { expect, test, watchConsole } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

test("[AUTH][LOGIN]: a wrong password is refused with a message", async ({ page }) => {
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in" }).click();
  const form = page.getByRole("form", { name: "Forkline" });
  await expect(form.getByRole("alert")).toHaveText("enter your username");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(form.getByRole("alert")).toHaveText("Wrong username or password.");
  await expect(page).toHaveURL(/\/login$/);
  // The refused login is a 401 the page handles; nothing else may be logged as an error.
  expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
});

test("[ADMIN][DN_LIST]: an admin signs in and sees the demo DNs", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  await expect(page).toHaveURL(/\/admin$/);
  const table = page.getByRole("table", { name: "DNs" });
  for (const number of ["1001", "1002", "1003", "pstn", "7000"]) {
    await expect(table.getByTestId(`dn-row-${number}`)).toBeVisible();
  }
  await expect(page.getByTestId("agent-row-5001")).toBeVisible();
  await expect(page.getByRole("list", { name: "Recorders" })).toContainText(
    `sip:127.0.0.1:${E2E.recorderSipPort}`,
  );
});

test("[ADMIN][DN_RECORD]: the record toggle saves at once and survives a reload", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  const toggle = page.getByRole("switch", { name: "record 1002" });
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await expect
    .poll(() =>
      readDb(
        (db) =>
          (db.prepare("select record from Dn where number = ?").get("1002") as { record: number }).record,
      ),
    )
    .toBe(1);
  await page.reload();
  await expect(page.getByRole("switch", { name: "record 1002" })).toHaveAttribute("aria-checked", "true");
  const audit = readDb((db) =>
    db.prepare("select actor, action from AuditEvent where entityId = ? order by at desc").get("1002"),
  );
  expect(audit).toEqual({ actor: "admin", action: "dn.record" });
});

test("[ADMIN][DN_FORM]: bad input gets a message and changes nothing", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  const count = () => readDb((db) => (db.prepare("select count(*) as n from Dn").get() as { n: number }).n);
  const before = count();
  const form = page.getByRole("form", { name: "Add or update a DN" });
  await form.getByLabel("Number").fill("bad number!");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("alert")).toContainText("DN number");
  await form.getByLabel("Number").fill("1050");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("alert")).toContainText("A new extension needs a SIP password.");
  const recorder = page.getByRole("form", { name: "Add a recorder" });
  await recorder.getByLabel("Recorder name").fill("disk");
  await recorder.getByLabel("SIP URI").fill("file:///tmp/x.wav");
  await recorder.getByRole("button", { name: "Save recorder" }).click();
  await expect(recorder.getByRole("alert")).toContainText("local file recording is not supported");
  expect(count()).toBe(before);
  await form.getByLabel("Number").fill("1050");
  await form.getByLabel("SIP password").fill("secret-1050");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved DN 1050.");
  await expect(page.getByTestId("dn-row-1050")).toBeVisible();
  expect(count()).toBe(before + 1);
  // Adding a number that exists never overwrites it: its name and password stay as they were.
  const existing = () => readDb((db) => db.prepare("select * from Dn where number = '1001'").get());
  const kept = existing();
  await form.getByLabel("Number").fill("1001");
  await form.getByLabel("SIP password").fill("overwritten-1001");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("alert")).toContainText("1001 already exists — edit it instead");
  expect(existing()).toEqual(kept);
});

test("[ROLES][AGENT]: an agent cannot open configuration", async ({ page, request }) => {
  // The agent's password is generated at first start; set a known one through the admin API.
  await signIn(page, "admin", E2E.adminPassword);
  const response = await page.request.post("/api/trpc/user.update", {
    data: { json: { username: "agent", password: "agent-password-1" } },
  });
  expect(response.status()).toBe(200);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, "agent", "agent-password-1");
  await page.goto("/admin");
  await expect(page.getByRole("main").getByRole("alert")).toContainText(
    "This page needs the supervisor role",
  );
  const denied = await page.request.post("/api/trpc/dn.setRecord", {
    data: { json: { number: "1001", record: true } },
  });
  expect(denied.status()).toBe(403);
  void request;
});

test("[ADMIN][DN_RECORD_ROLLBACK]: a switch the server refuses moves back and says why", async ({
  page,
  browser,
}) => {
  // Rolly opens the configuration as an admin; meanwhile another admin makes Rolly a supervisor.
  await signIn(page, "admin", E2E.adminPassword);
  const create = await page.request.post("/api/trpc/user.create", {
    data: { json: { username: "rolly", password: "rolly-password-1", role: "admin" } },
  });
  expect(create.status()).toBe(200);
  const rolly = await browser.newPage({ baseURL: `http://127.0.0.1:${E2E.httpPort}` });
  const rollyErrors = watchConsole(rolly);
  try {
    await signIn(rolly, "rolly", "rolly-password-1");
    await rolly.goto("/admin");
    const toggle = rolly.getByRole("switch", { name: "record 1003" });
    await expect(toggle).toBeEnabled();
    const before = await toggle.getAttribute("aria-checked");
    const demote = await page.request.post("/api/trpc/user.update", {
      data: { json: { username: "rolly", role: "supervisor" } },
    });
    expect(demote.status()).toBe(200);

    await toggle.click();
    await expect(rolly.getByRole("main").getByRole("alert")).toContainText(
      "This needs the admin role; you are supervisor.",
    );
    await expect(toggle).toHaveAttribute("aria-checked", before ?? "false");
    const saved = readDb(
      (db) => (db.prepare("select record from Dn where number = '1003'").get() as { record: number }).record,
    );
    expect(String(saved === 1)).toBe(before);
    expect(rollyErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  } finally {
    await rolly.close();
  }
});
