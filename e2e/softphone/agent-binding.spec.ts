import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { setRecordSwitches } from "../fixtures/record-switches";
import { signIn } from "../fixtures/sign-in";
import { softphone } from "../fixtures/softphone";

const AMY = { username: "amy", password: "amy-password-1", agent: true };

test("[SOFTPHONE][AGENT_BINDING]: an agent uses only the extension and agent login an admin assigned, and records the other side of a call", async ({
  page,
}) => {
  test.setTimeout(120_000);
  // The admin creates the agent with extension 1003 and agent login 5002.
  await signIn(page, "admin", E2E.adminPassword);
  // Nothing of this call may be recorded full-time, whatever earlier specs left switched on.
  await setRecordSwitches(page, [
    ["1002", "false"],
    ["1003", "false"],
  ]);
  const agentSwitch = page.getByRole("switch", { name: "record agent 5002" });
  if ((await agentSwitch.getAttribute("aria-checked")) !== "false") await agentSwitch.click();
  await expect(agentSwitch).toHaveAttribute("aria-checked", "false");
  await page.goto("/admin/users");
  const form = page.getByRole("form", { name: "Add a user" });
  await form.getByLabel("Username").fill(AMY.username);
  await form.getByLabel("Password").fill(AMY.password);
  await form.getByLabel("Role").selectOption("agent");
  await form.getByLabel("Extension").selectOption("1003");
  await form.getByLabel("Agent login").selectOption("5002");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("status")).toHaveText("Created user amy (agent).");
  expect(
    readDb((db) =>
      db.prepare("select role, extension, agentLoginCode from User where username = 'amy'").get(),
    ),
  ).toEqual({ role: "agent", extension: "1003", agentLoginCode: "5002" });
  // The binding is unique: 1003 cannot go to a second user.
  await form.getByLabel("Username").fill("amy2");
  await form.getByLabel("Password").fill(AMY.password);
  await form.getByLabel("Extension").selectOption("1003");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("alert")).toHaveText("Extension 1003 already belongs to amy.");
  // An agent without an extension can be created; the softphone then tells them to ask.
  await form.getByLabel("Username").fill("nobind");
  await form.getByLabel("Password").fill(AMY.password);
  await form.getByLabel("Extension").selectOption("");
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("status")).toHaveText("Created user nobind (agent).");

  const agent = await softphone(440, "1003", AMY);
  const customer = await softphone(660, "1002");
  try {
    // Agents see the softphone only, with their login code filled in and fixed.
    await expect(agent.page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText([
      "Softphone",
    ]);
    const login = agent.page.getByRole("form", { name: "Agent login" });
    await expect(login.getByLabel("Agent login code")).toHaveValue("5002");
    await expect(login.getByLabel("Agent login code")).toHaveAttribute("readonly", "");
    await login.getByRole("button", { name: "Log in agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("Logged in as agent 5002 on 1003");

    // The API refuses what the page does not offer: another DN, another agent login.
    const refused = await agent.page.request.post("/api/trpc/cti.request", {
      data: { json: { request: "TAgentLogin", thisDn: "1001", agentId: "5001" } },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain("You may use only your own extension 1003, not 1001.");

    // A call from 1002: the agent records the customer's side from the softphone.
    await customer.page.getByRole("form", { name: "Dial" }).getByLabel("Number").fill("1003");
    await customer.page.getByRole("form", { name: "Dial" }).getByRole("button", { name: "Call" }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("Incoming call — 1002", {
      timeout: 20_000,
    });
    await agent.page.getByRole("button", { name: "Answer", exact: true }).click();
    await expect(agent.page.getByTestId("call-status")).toHaveText("In call — 1002", { timeout: 20_000 });
    await expect(agent.page.getByTestId("recording-indicator")).toHaveText("Not recorded");
    await agent.page.getByRole("button", { name: "Record the other side" }).click();
    await expect(agent.page.getByTestId("recording-indicator")).toHaveText("● This call is being recorded", {
      timeout: 15_000,
    });
    await expect(agent.page.getByTestId("recording-sides")).toHaveText("recording the other side");
    await expect(agent.page.getByRole("button", { name: "Record the other side" })).toHaveCount(0);
    await agent.page.getByRole("button", { name: "Stop recording" }).click();
    const stopForm = agent.page.getByRole("form", { name: "Stop recording of this call" });
    await stopForm.getByLabel("Reason for stopping").fill("recorded by mistake");
    await stopForm.getByRole("button", { name: "Confirm stop" }).click();
    await expect(agent.page.getByTestId("recording-indicator")).toHaveText("Not recorded");
    await agent.page.getByRole("button", { name: "Hang up" }).click();
    await expect(customer.page.getByTestId("call-status")).toHaveText("No call", { timeout: 15_000 });
    await agent.page.getByRole("button", { name: "Log out agent" }).click();
    await expect(agent.page.getByTestId("agent-state")).toHaveText("No agent logged in on 1003");
    expect(agent.consoleErrors).toEqual([]);
    expect(customer.consoleErrors).toEqual([]);
  } finally {
    await agent.browser.close();
    await customer.browser.close();
  }

  const session = readDb(
    (db) =>
      db
        .prepare(
          "select trigger, side, dn, agentId, requestedBy, state from RecordingSession where requestedBy = 'user:amy via cti:1003' order by startedAt desc limit 1",
        )
        .get() as Record<string, string>,
  );
  // 1002 called 1003: the other side of the agent's call is the caller (source), DN 1002.
  expect(session).toMatchObject({ trigger: "private_service", side: "source", dn: "1002", state: "stopped" });

  // Signing in, an agent lands on the softphone; the configuration pages are not theirs.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, AMY.username, AMY.password);
  await expect(page).toHaveURL(/\/softphone$/);
  await page.goto("/admin");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText(
    "This page needs the supervisor role; you are signed in as agent.",
  );
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "nobind", AMY.password);
  await expect(page.getByTestId("no-extension")).toHaveText(
    "No extension is assigned to you. Ask an admin to assign one under Users & tokens.",
  );
  await expect(page.getByRole("form", { name: "Register" })).toHaveCount(0);
});
