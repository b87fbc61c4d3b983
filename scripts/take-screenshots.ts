/**
 * Screenshots of the main pages for docs/screenshots, at laptop (1280×800), tablet (820×1180) and
 * phone (390×844) sizes: `<page>.png`, `<page>-tablet.png`, `<page>-phone.png`, each of the
 * viewport (not the full page) to keep them small. Needs the e2e stack running (the same ports and
 * admin password as playwright.config.ts):
 *
 *   rm -rf .e2e-data && HTTP_PORT=3131 SIP_PORT=5361 … node --import tsx scripts/start.ts
 *   node --import tsx scripts/take-screenshots.ts
 *
 * (FORKLINE_E2E_PORT_OFFSET shifts the ports as for the e2e run.) It places a real call between two
 * softphones so the live pages have something to show.
 */
import path from "node:path";
import { chromium, type Locator, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";
import { signIn } from "../e2e/fixtures/sign-in";
import { softphone } from "../e2e/fixtures/softphone";

const OUT = path.resolve("docs/screenshots");
const SIZES = {
  laptop: { width: 1280, height: 800 },
  tablet: { width: 820, height: 1180 },
  phone: { width: 390, height: 844 },
} as const;

/**
 * One shot per size. On a phone the page's subject (`subject`) is scrolled to the top when given,
 * since the header and filters alone would fill the screen.
 */
async function shoot(page: Page, name: string, subject?: Locator) {
  for (const [label, size] of Object.entries(SIZES)) {
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));
    if (subject && label === "phone") await subject.evaluate((el) => el.scrollIntoView({ block: "start" }));
    // Let the layout and any transition settle at the new size before the shot.
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(OUT, `${name}${label === "laptop" ? "" : `-${label}`}.png`) });
  }
  await page.setViewportSize(SIZES.laptop);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
});
const page = await browser.newPage({ baseURL: `http://127.0.0.1:${E2E.httpPort}`, viewport: SIZES.laptop });
await page.goto("/login");
await shoot(page, "login");
await signIn(page, "admin", E2E.adminPassword);
await page.goto("/admin");
await page.getByRole("switch", { name: "record 1003" }).waitFor();
await shoot(page, "admin-configuration", page.getByRole("heading", { name: "DNs" }));

const customer = await softphone(500, "1002");
const agent = await softphone(700, "1003");
await agent.page.getByRole("form", { name: "Agent login" }).getByLabel("Agent login code").fill("5002");
await agent.page.getByRole("button", { name: "Log in agent" }).click();
await customer.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1003");
await customer.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
await agent.page.getByRole("button", { name: "Answer" }).click({ timeout: 20_000 });
await page.goto("/calls");
const call = page.getByRole("listitem", { name: "call 1002 → 1003" });
await call.getByText("established").waitFor({ timeout: 20_000 });
await call.getByRole("group", { name: "destination side" }).getByRole("button", { name: "Record" }).click();
await call.getByTestId("recording-destination").getByText("recording").waitFor({ timeout: 10_000 });
// A recorder that refuses (the SIP Server is no SIPREC recorder) shows a failed side and an alarm.
const source = call.getByRole("group", { name: "source side" });
await source.getByRole("button", { name: "Options…" }).click();
await source.getByLabel(/Recorder/).fill(`sip:nobody@127.0.0.1:${E2E.sipPort}`);
await source.getByRole("button", { name: "Start recording" }).click();
await call.getByTestId("recording-source").getByText("failed").waitFor({ timeout: 15_000 });
await page.waitForTimeout(2000);
await shoot(page, "supervisor-live-calls", call);
await page.goto("/dashboard");
await page.getByTestId("stat-live-calls-value").getByText("1").waitFor();
await shoot(page, "supervisor-dashboard");
await agent.page.getByTestId("recording-indicator").getByText("being recorded").waitFor();
await agent.page.waitForTimeout(1500);
await shoot(agent.page, "softphone-in-call", agent.page.getByRole("region", { name: "Call" }));
await customer.page.getByRole("button", { name: "Hang up" }).click();
await page.waitForTimeout(1500);
await page.goto("/recordings");
// The lab recorder's session (the refused side has nothing to play).
const play = page
  .getByTestId(/^recording-/)
  .filter({ hasText: `recorder sip:127.0.0.1:${E2E.recorderSipPort}` })
  .getByRole("button", { name: /^Play recording / })
  .first();
await play.waitFor({ timeout: 15_000 });
await play.click();
const player = page.getByRole("region", { name: /^Player for recording / });
await player.locator("canvas").first().waitFor();
await shoot(page, "supervisor-recording-history", page.getByRole("list", { name: "Recorded calls" }));
await page.goto("/admin/users");
await page.getByTestId("user-row-agent").waitFor();
await shoot(page, "admin-users-and-tokens", page.getByRole("heading", { name: "Users" }));
await page.goto("/admin/audit");
await page.getByRole("table").getByRole("row").nth(1).waitFor();
await shoot(page, "admin-audit-log", page.getByRole("heading", { name: "Audit log" }));
await customer.browser.close();
await agent.browser.close();
await browser.close();
