import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { setRecordSwitches } from "../fixtures/record-switches";
import { signIn } from "../fixtures/sign-in";
import { softphone } from "../fixtures/softphone";

test("[SUPERVISOR][LIVE_CALLS]: filter by agent, DN, recording state and text, sort and group by agent, kept in the address over a reload", async ({
  page,
}) => {
  test.setTimeout(150_000);
  await signIn(page, "admin", E2E.adminPassword);
  await setRecordSwitches(page, [
    ["1002", "false"],
    ["1003", "false"],
  ]);
  const customer = await softphone(500, "1002");
  const agent = await softphone(700, "1003");
  try {
    const login = agent.page.getByRole("form", { name: "Agent login" });
    await login.getByLabel("Agent login code").fill("5002");
    await login.getByRole("button", { name: "Log in agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("Logged in as agent 5002 on 1003");
    await customer.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1003");
    await customer.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();

    await page.goto("/calls");
    const call = page.getByRole("listitem", { name: "call 1002 → 1003" });
    await expect(call).toContainText("established", { timeout: 15_000 });
    const filters = page.getByRole("search", { name: "Filter live calls" });
    const noMatch = page.getByText("No live call matches the filters.");

    // Agent: the agent on the call is offered by login and name.
    const bob = readDb(
      (db) => db.prepare("select name from AgentLogin where loginCode = '5002'").get() as { name: string },
    ).name;
    await filters
      .getByRole("combobox", { name: "Agent" })
      .selectOption({ label: `5002${bob ? ` · ${bob}` : ""}` });
    await expect(call).toBeVisible();
    await expect(page).toHaveURL(/[?&]agent=5002(&|$)/);
    await filters.getByRole("combobox", { name: "Agent" }).selectOption("none");
    await expect(noMatch).toBeVisible();
    await expect(call).toBeHidden();
    await filters.getByRole("combobox", { name: "Agent" }).selectOption("");

    // DN: either party's DN.
    await filters.getByRole("textbox", { name: "DN" }).fill("1001");
    await expect(noMatch).toBeVisible();
    await filters.getByRole("textbox", { name: "DN" }).fill("1002");
    await expect(call).toBeVisible();

    // Recording state: nothing records this call.
    await filters.getByRole("combobox", { name: "Recording" }).selectOption("recording");
    await expect(noMatch).toBeVisible();
    await filters.getByRole("combobox", { name: "Recording" }).selectOption("none");
    await expect(call).toBeVisible();

    // Text: the agent's name, the ConnID.
    const connId = (await call.getAttribute("data-testid"))!.slice("call-".length);
    await filters.getByRole("searchbox", { name: "Search" }).fill("nobody-by-that-name");
    await expect(noMatch).toBeVisible();
    await expect(page.getByTestId("calls-shown")).toHaveText("0 shown");
    await filters.getByRole("searchbox", { name: "Search" }).fill(connId);
    await expect(call).toBeVisible();

    // Sort and group by agent.
    await filters.getByRole("combobox", { name: "Sort by" }).selectOption("duration");
    await filters.getByRole("checkbox", { name: "Group by agent" }).check();
    const group = page.getByRole("region", { name: /^Agent 5002/ });
    await expect(group).toContainText("(1)");
    await expect(group.getByRole("listitem", { name: "call 1002 → 1003" })).toBeVisible();

    // A reload keeps all of it: it is in the address.
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      dn: "1002",
      rec: "none",
      q: connId,
      sort: "duration",
      group: "agent",
    });
    await page.reload();
    await expect(filters.getByRole("textbox", { name: "DN" })).toHaveValue("1002");
    await expect(filters.getByRole("combobox", { name: "Recording" })).toHaveValue("none");
    await expect(filters.getByRole("searchbox", { name: "Search" })).toHaveValue(connId);
    await expect(filters.getByRole("combobox", { name: "Sort by" })).toHaveValue("duration");
    await expect(filters.getByRole("checkbox", { name: "Group by agent" })).toBeChecked();
    await expect(group.getByRole("listitem", { name: "call 1002 → 1003" })).toBeVisible();

    await filters.getByRole("button", { name: "Clear filters" }).click();
    await expect(page).toHaveURL(/\/calls$/);
    await expect(
      page.getByRole("list", { name: "Live calls" }).getByRole("listitem", { name: "call 1002 → 1003" }),
    ).toBeVisible();

    await customer.page.getByRole("button", { name: "Hang up" }).click();
    await expect(page.getByText("No call in progress.")).toBeVisible({ timeout: 15_000 });
    await agent.page.getByRole("button", { name: "Log out agent" }).click();
    expect(customer.consoleErrors).toEqual([]);
    expect(agent.consoleErrors).toEqual([]);
  } finally {
    await customer.browser.close();
    await agent.browser.close();
  }
});
