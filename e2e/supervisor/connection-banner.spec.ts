import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { signIn } from "../fixtures/sign-in";

test("[SUPERVISOR][CONNECTION]: a page that loses the server says so, and stops saying it once the server answers", async ({
  page,
  consoleErrors,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  await page.goto("/calls");
  const banner = page.getByRole("alert").filter({ hasText: "No connection to the Forkline server" });
  await expect(page.getByRole("heading", { name: "Live calls" })).toBeVisible();
  await expect(banner).toHaveCount(0);

  // The server stops answering (as while it restarts): its health check fails.
  await page.route("**/healthz", (route) => route.fulfill({ status: 503, body: "restarting" }));
  await expect(banner).toBeVisible({ timeout: 12_000 });
  await expect(banner).toContainText("may be out of date. Retrying every 5 s.");

  await page.unroute("**/healthz");
  await expect(banner).toHaveCount(0, { timeout: 12_000 });
  // The 503s were this spec's doing: they are not console errors of the page.
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !/status of 503/.test(e)));
});
