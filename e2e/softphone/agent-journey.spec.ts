import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { heard, mediaEngineMetric, near, softphone } from "../fixtures/softphone";

const dial = async (page: Page, number: string) => {
  await page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill(number);
  await page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
};

test("[SOFTPHONE][AGENT]: agent login, decline, answer, DTMF from the dial pad, blind transfer, agent logout", async () => {
  test.setTimeout(180_000);
  const agent = await softphone(440, "1001");
  const customer = await softphone(660, "1002");
  const colleague = await softphone(880, "1003");
  try {
    // Agent login on the registered extension: a wrong code is refused with the T-Server's reason.
    const login = agent.page.getByRole("form", { name: "Agent login" });
    await login.getByLabel("Agent login code").fill("9999");
    await login.getByRole("button", { name: "Log in agent" }).click();
    await expect(
      agent.page.getByRole("alert").filter({ hasText: "Agent login 9999 does not exist." }),
    ).toBeVisible();
    // The activity list says it too.
    await expect(agent.page.getByTestId("activity").first()).toHaveText(
      /^\d\d:\d\dRefused: Agent login 9999 does not exist\.$/,
    );
    await login.getByLabel("Agent login code").fill("5001");
    await login.getByRole("button", { name: "Log in agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("Logged in as agent 5001 on 1001");
    await expect(agent.page.getByTestId("activity").first()).toContainText("Logged in as agent 5001 (Alice)");
    // The raw events are behind "Details" for an admin.
    await agent.page.getByRole("button", { name: "Details" }).click();
    await expect
      .poll(async () => (await agent.page.getByTestId("cti-event").allTextContents()).join("\n"))
      .toContain("EventAgentLogin");
    // A reload keeps the login: it lives in the SIP Server, not in the page.
    await agent.page.reload();
    const register = agent.page.getByRole("form", { name: "Register" });
    await register.getByLabel("Extension").fill("1001");
    await register.getByLabel("SIP password").fill("demo-1001");
    await register.getByRole("button", { name: "Register" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("Logged in as agent 5001 on 1001");

    // Decline: the caller's call fails, the agent stays free.
    await dial(customer.page, "1001");
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Decline" }).click();
    await expect(customer.page.getByTestId("call-status")).toHaveText("No call", { timeout: 15_000 });
    await expect(customer.page.getByRole("status")).toContainText("Call ended");
    await expect(agent.page.getByTestId("call-status")).toHaveText("No call");

    // Answer, hear each other, and the level meters move both ways.
    await dial(customer.page, "1001");
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();
    await expect(customer.page.getByTestId("call-status")).toHaveText("In call — 1001", { timeout: 20_000 });
    await expect.poll(async () => near(660)(await heard(agent.page)), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => near(440)(await heard(customer.page)), { timeout: 20_000 }).toBe(true);
    const level = (page: Page, which: string) =>
      page.getByTestId(which).getAttribute("aria-valuenow").then(Number);
    await expect.poll(() => level(agent.page, "level-local")).toBeGreaterThan(-40);
    await expect.poll(() => level(agent.page, "level-remote")).toBeGreaterThan(-40);
    await expect(agent.page.getByTestId("call-duration")).toHaveText(/^0:0\d$/);

    // DTMF from the dial pad travels as RFC 4733 events: the media engine counts three key presses
    // from the agent's leg (it keeps no digits).
    const keysBefore = await mediaEngineMetric("forkline_leg_dtmf_keys_total");
    const pad = agent.page.getByRole("group", { name: "DTMF keys" });
    for (const key of ["4", "2", "#"]) {
      await pad.getByRole("button", { name: key, exact: true }).click();
      await agent.page.waitForTimeout(300);
    }
    await expect(agent.page.getByTestId("dtmf-sent")).toHaveText("Keys sent: •••");
    await expect
      .poll(async () => (await mediaEngineMetric("forkline_leg_dtmf_keys_total")) - keysBefore, {
        timeout: 10_000,
      })
      .toBe(3);

    // Blind transfer: the customer ends up talking to the colleague, the agent is free.
    const transfer = agent.page.getByRole("form", { name: "Transfer" });
    await transfer.getByLabel("Transfer to").fill("1003");
    await transfer.getByRole("button", { name: "Transfer" }).click();
    await expect(colleague.page.getByTestId("call-status")).toHaveText(/^Incoming call — /, {
      timeout: 20_000,
    });
    await colleague.page.getByRole("button", { name: "Answer", exact: true }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("No call", { timeout: 20_000 });
    await expect.poll(async () => near(660)(await heard(colleague.page)), { timeout: 20_000 }).toBe(true);
    await expect.poll(async () => near(880)(await heard(customer.page)), { timeout: 20_000 }).toBe(true);
    await colleague.page.getByRole("button", { name: "Hang up" }).click();
    await expect(customer.page.getByTestId("call-status")).toHaveText("No call", { timeout: 15_000 });

    await agent.page.getByRole("button", { name: "Log out agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("No agent logged in on 1001");
    expect(agent.consoleErrors).toEqual([]);
    expect(customer.consoleErrors).toEqual([]);
    expect(colleague.consoleErrors).toEqual([]);
  } finally {
    await agent.browser.close();
    await customer.browser.close();
    await colleague.browser.close();
  }
});
