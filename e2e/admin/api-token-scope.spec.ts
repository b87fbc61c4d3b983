import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { dbDate, readDb, writeDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

const BASE = `http://127.0.0.1:${E2E.httpPort}`;
type TrpcAnswer = { error?: { json: { message: string; data: { httpStatus: number } } } };

/** A script's request with a bearer token: a query by GET, a mutation by POST (superjson body). */
async function callWithToken(token: string, path: string, input?: unknown) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const response =
    input === undefined
      ? await fetch(`${BASE}/api/trpc/${path}`, { headers })
      : await fetch(`${BASE}/api/trpc/${path}`, {
          method: "POST",
          headers,
          body: JSON.stringify({ json: input }),
        });
  return { status: response.status, body: (await response.json()) as TrpcAnswer };
}

test("[ADMIN][TOKENS]: a read-only token reads but cannot change; an expired token is refused with when it expired", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/admin/users");
  const form = page.getByRole("form", { name: "Create an API token" });
  await expect(form.getByLabel("Expires")).toHaveValue("90");
  await form.getByLabel("Token name").fill("wallboard");
  await form.getByLabel("Expires").selectOption("30");
  await form.getByLabel("Scope").selectOption("read-only");
  await form.getByRole("button", { name: "Create token" }).click();
  const shown = page.locator("#new-token");
  const token = (await page.locator("#new-token-value").textContent()) ?? "";
  expect(token).toMatch(/^flt_/);
  await shown.getByRole("button", { name: "Copy token" }).click();
  await expect(shown).toContainText(/Copied to the clipboard\.|Selected: press Ctrl\+C/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  const row = page.getByTestId("token-row-wallboard");
  await expect(row).toContainText("read-only");
  await expect(row.getByRole("cell").nth(5)).toHaveText("never");
  const saved = readDb(
    (db) =>
      db.prepare("select scope, expiresAt, createdAt from ApiToken where name = 'wallboard'").get() as {
        scope: string;
        expiresAt: string;
        createdAt: string;
      },
  );
  expect(saved.scope).toBe("read-only");
  const days = (Date.parse(saved.expiresAt) - Date.parse(saved.createdAt)) / 86_400_000;
  expect(days).toBeCloseTo(30, 2);

  // Reads work; any mutation is refused with 403 and changes nothing.
  const read = await callWithToken(token, "dn.list");
  expect(read.status).toBe(200);
  const record = () =>
    readDb(
      (db) => (db.prepare("select record from Dn where number = '1003'").get() as { record: number }).record,
    );
  const recordBefore = record();
  const write = await callWithToken(token, "dn.setRecord", { number: "1003", record: recordBefore === 0 });
  expect(write.status).toBe(403);
  expect(write.body.error?.json.message).toMatch(/read-only token/);
  expect(record()).toBe(recordBefore);
  await page.reload();
  await expect(page.getByTestId("token-row-wallboard").getByRole("cell").nth(5)).not.toHaveText("never");

  // The token's expiry passes: 401 saying when.
  writeDb((db) =>
    db
      .prepare("update ApiToken set expiresAt = ? where name = 'wallboard'")
      .run(dbDate(new Date("2026-02-03T04:05:00Z"))),
  );
  const late = await callWithToken(token, "dn.list");
  expect(late.status).toBe(401);
  expect(late.body.error?.json.message).toBe(
    "API token expired on 2026-02-03 04:05 UTC: ask an admin for a new one (Users & tokens).",
  );
  await page.reload();
  await expect(page.getByTestId("token-row-wallboard")).toContainText("expired");
});
