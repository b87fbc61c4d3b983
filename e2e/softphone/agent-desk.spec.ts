import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { dbDate, readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";
import { softphone } from "../fixtures/softphone";

// The demo agent: bound to extension 1001 and agent login 5001 (Alice) at first start.
const AGENT = { username: "agent", password: "agent-password-1", agent: true };

const dial = async (page: Page, number: string) => {
  await page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill(number);
  await page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
};

const agentSession = () =>
  readDb((db) =>
    db.prepare("select dn, state, reasonCode from AgentSession where agentId = '5001'").get(),
  ) as { dn: string; state: string; reasonCode: string } | undefined;

test("[SOFTPHONE][AGENT_DESK]: a signed-in agent registers with no SIP password, goes Ready / Not Ready (saved, seen by a supervisor), and reads an inbound call as sentences", async ({
  page,
}) => {
  test.setTimeout(180_000);
  // The agent's password is generated at first start; the admin sets a known one.
  await signIn(page, "admin", E2E.adminPassword);
  const reset = await page.request.post("/api/trpc/user.update", {
    data: { json: { username: AGENT.username, password: AGENT.password } },
  });
  expect(reset.status()).toBe(200);

  const startedAt = Date.now();
  // Registered with nothing typed: the page asked the server for a short-lived credential.
  const agent = await softphone(440, "1001", AGENT);
  const customer = await softphone(660, "1002");
  try {
    await expect(agent.page.getByLabel("SIP password")).toHaveCount(0);
    const credentials = readDb((db) =>
      db
        .prepare(
          "select c.dn, c.expiresAt, c.ha1Md5, d.sipHa1Md5 from SoftphoneCredential c join User u on u.id = c.userId join Dn d on d.number = c.dn where u.username = 'agent' and c.createdAt >= ?",
        )
        // Issued to this page (an earlier spec's agent page may have left one that has not expired).
        .all(dbDate(new Date(startedAt - 1000))),
    ) as { dn: string; expiresAt: string; ha1Md5: string; sipHa1Md5: string }[];
    expect(credentials.length).toBeGreaterThan(0);
    for (const c of credentials) {
      expect(c.dn).toBe("1001");
      // Not the DN's password, and good for about five minutes only.
      expect(c.ha1Md5).not.toBe(c.sipHa1Md5);
      const life = Date.parse(c.expiresAt) - startedAt;
      expect(life).toBeGreaterThan(4 * 60_000);
      expect(life).toBeLessThan(6 * 60_000);
    }
    expect(
      readDb((db) =>
        db.prepare("select count(*) as n from Registration where aor = '1001' and transport = 'WS'").get(),
      ),
    ).toEqual({ n: 1 });

    // Agent login: the agent starts Not Ready, as on a T-Server.
    await agent.page
      .getByRole("form", { name: "Agent login" })
      .getByRole("button", { name: "Log in agent" })
      .click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("Logged in as agent 5001 on 1001");
    const ready = agent.page.getByRole("switch", { name: "Ready" });
    await expect(ready).toHaveAttribute("aria-checked", "false");
    await expect(agent.page.getByTestId("agent-work-state")).toHaveText("Not Ready");
    expect(agentSession()).toEqual({ dn: "1001", state: "not_ready", reasonCode: "" });

    // The supervisor's Live calls page lists the agent with their state.
    await page.goto("/calls");
    const row = page.getByTestId("agent-row").filter({ hasText: "5001 on 1001" });
    await expect(row.getByTestId("agent-row-state")).toHaveText("Not Ready");

    await ready.click();
    await expect(ready).toHaveAttribute("aria-checked", "true");
    await expect(agent.page.getByTestId("agent-work-state")).toHaveText("Ready");
    await expect.poll(agentSession).toEqual({ dn: "1001", state: "ready", reasonCode: "" });
    await expect(row.getByTestId("agent-row-state")).toHaveText("Ready");
    await expect(agent.page.getByTestId("activity").first()).toHaveText(/^\d\d:\d\dReady$/);

    // Not Ready with a reason code.
    await agent.page.getByLabel("Not Ready reason").selectOption("Break");
    await ready.click();
    await expect(agent.page.getByTestId("agent-work-state")).toHaveText("Not Ready (Break)");
    await expect.poll(agentSession).toEqual({ dn: "1001", state: "not_ready", reasonCode: "Break" });
    await expect(row.getByTestId("agent-row-state")).toHaveText("Not Ready (Break)");
    await expect(agent.page.getByTestId("activity").first()).toContainText("Not Ready (Break)");
    await ready.click();
    await expect.poll(agentSession).toEqual({ dn: "1001", state: "ready", reasonCode: "" });

    // An inbound call, in words on the agent's activity list.
    await dial(customer.page, "1001");
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await expect(agent.page.getByTestId("activity").first()).toContainText("Incoming call from 1002");
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();
    await expect(customer.page.getByTestId("call-status")).toHaveText("In call — 1001", { timeout: 20_000 });
    await expect(agent.page.getByTestId("activity").first()).toContainText("Call from 1002 answered");
    await agent.page.getByRole("button", { name: "Hang up" }).click();
    await expect(customer.page.getByTestId("call-status")).toHaveText("No call", { timeout: 15_000 });
    await expect(agent.page.getByTestId("activity").first()).toContainText(/Call from 1002 ended \(0:\d\d\)/);
    const lines = await agent.page.getByTestId("activity").allTextContents();
    // Newest first, each with its time of day.
    expect(lines.slice(0, 3).map((l) => l.replace(/^\d\d:\d\d/, ""))).toEqual([
      expect.stringMatching(/^Call from 1002 ended/),
      "Call from 1002 answered",
      "Incoming call from 1002",
    ]);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d\D/);
    // An agent has no raw event log.
    await expect(agent.page.getByRole("button", { name: "Details" })).toHaveCount(0);
    await expect(agent.page.getByTestId("cti-event")).toHaveCount(0);

    // The caller's "Call ended" does not stay into the next call.
    await expect(customer.page.getByRole("status")).toContainText("Call ended");
    await dial(customer.page, "1001");
    await expect(customer.page.getByRole("status")).toHaveCount(0);
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Decline" }).click();
    await expect(agent.page.getByTestId("activity").first()).toContainText("Missed call from 1002");

    await agent.page.getByRole("button", { name: "Log out agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("No agent logged in on 1001");
    expect(agentSession()).toBeUndefined();
    await expect(page.getByTestId("agent-row").filter({ hasText: "5001 on 1001" })).toHaveCount(0);
    expect(agent.consoleErrors).toEqual([]);

    // The activity list outlives a reload of the page: the server kept it (DnActivity), in order.
    const callEvents = () =>
      (
        readDb((db) =>
          db
            .prepare(
              "select event from DnActivity where dn = '1001' and at >= ? and event in ('EventRinging', 'EventEstablished', 'EventReleased') order by id",
            )
            .all(dbDate(new Date(startedAt - 1000))),
        ) as { event: string }[]
      ).map((r) => r.event);
    await expect
      .poll(callEvents)
      .toEqual(["EventRinging", "EventEstablished", "EventReleased", "EventRinging", "EventReleased"]);
    // This session's entries (the list may hold earlier ones, and new ones push the oldest out).
    const shown = (await agent.page.getByTestId("activity").allTextContents()).slice(0, 10);
    expect(shown.slice(0, 2).map((l) => l.replace(/^\d\d:\d\d/, ""))).toEqual([
      "Logged out as agent 5001",
      "Missed call from 1002",
    ]);
    await agent.page.reload();
    await expect(agent.page.getByRole("heading", { name: "Activity on 1001" })).toBeVisible();
    // Each entry once, in the order it came (the page registers again: newer entries may come on top).
    await expect
      .poll(async () => {
        const lines = await agent.page.getByTestId("activity").allTextContents();
        const at = lines.indexOf(shown[0]!);
        return at < 0 ? lines : lines.slice(at, at + shown.length);
      })
      .toEqual(shown);

    // Signing out ends the agent's softphone credentials: the page's cannot register again.
    const agentCredentials = () =>
      readDb((db) =>
        db
          .prepare(
            "select count(*) as n from SoftphoneCredential c join User u on u.id = c.userId where u.username = 'agent'",
          )
          .get(),
      );
    expect(agentCredentials()).not.toEqual({ n: 0 });
    await agent.page.getByRole("button", { name: "Sign out" }).click();
    await expect(agent.page).toHaveURL(/\/login/);
    await expect.poll(agentCredentials).toEqual({ n: 0 });
  } finally {
    await agent.browser.close();
    await customer.browser.close();
  }

  // A typed password that is wrong: the softphone says why it is not registered.
  await page.goto("/softphone");
  const register = page.getByRole("form", { name: "Register" });
  await register.getByLabel("Extension").fill("1003");
  await register.getByLabel("SIP password").fill("not-the-password");
  await register.getByRole("button", { name: "Register" }).click();
  await expect(page.getByTestId("registration-problem")).toHaveText(
    "Wrong SIP password for this extension (403 Bad credentials).",
  );
  await expect(page.getByTestId("registration")).toHaveText("Not registered");
});
