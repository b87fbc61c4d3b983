import type { Locator, Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

const recordOf = (number: string) =>
  readDb(
    (db) => (db.prepare("select record from Dn where number = ?").get(number) as { record: number }).record,
  );
const dnExists = (number: string) =>
  readDb((db) => db.prepare("select 1 from Dn where number = ?").get(number) !== undefined);
const recorderOrder = () =>
  readDb((db) =>
    (db.prepare("select name from Recorder order by position").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );

/** Presses `key` (Tab by default) until `target` has focus, as a keyboard user would. */
async function tabTo(page: Page, target: Locator, key = "Tab", max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`${String(target)} not reached with ${max} presses of ${key}`);
}

test("[A11Y][KEYBOARD]: the configuration page works from the keyboard alone, and focus is never lost", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  // A fresh load puts the keyboard at the top of the page; from here on no mouse is used.
  await page.goto("/admin");
  const dns = page.getByRole("table", { name: "DNs" });
  await expect(dns.getByTestId("dn-row-1001")).toBeVisible();
  await expect(page.getByTestId("agent-row-5001")).toBeVisible();
  await expect(page.getByRole("list", { name: "Recorders" })).toBeVisible();

  // The skip link is the first Tab stop, shows itself when focused, and lands on <main>.
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).not.toBeInViewport();
  await page.keyboard.press("Tab");
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();

  // The record switch: reached with Tab, drawn with a focus ring, flipped with Space (and saved).
  const toggle = dns.getByRole("switch", { name: "record 1001" });
  const was = recordOf("1001");
  await tabTo(page, toggle);
  expect(await toggle.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe("solid");
  await page.keyboard.press("Space");
  await expect(toggle).toHaveAttribute("aria-checked", String(was === 0));
  await expect.poll(() => recordOf("1001")).toBe(was === 0 ? 1 : 0);
  await expect(toggle).toBeFocused();
  await page.keyboard.press("Space");
  await expect(toggle).toHaveAttribute("aria-checked", String(was === 1));
  await expect.poll(() => recordOf("1001")).toBe(was);

  // Edit with Enter: the form loads the DN and takes focus; Escape gives it back to the row.
  const edit = dns.getByRole("button", { name: "Edit 1001" });
  await page.keyboard.press("Tab");
  await expect(edit).toBeFocused();
  await page.keyboard.press("Enter");
  const form = page.getByRole("form", { name: "Add or update a DN" });
  const number = form.getByLabel("Number");
  await expect(number).toBeFocused();
  await expect(number).toHaveValue("1001");
  await expect(form.getByRole("heading")).toContainText("Edit DN 1001");
  await expect(form).toBeInViewport();
  await page.keyboard.press("Escape");
  await expect(edit).toBeFocused();
  await expect(form.getByRole("heading")).toHaveText("Add a DN");
  await expect(number).toHaveValue("");
  // The same through the "Cancel edit" button.
  await page.keyboard.press("Enter");
  await expect(number).toBeFocused();
  await tabTo(page, form.getByRole("button", { name: "Cancel edit" }));
  await page.keyboard.press("Enter");
  await expect(edit).toBeFocused();

  // A refused DN puts focus on the field to fix, marked invalid and described by the reason:
  // first a bad number (checked in the page), then a new extension without a password (the server).
  await tabTo(page, number);
  await page.keyboard.type("bad number!");
  await page.keyboard.press("Enter");
  await expect(form.getByRole("alert")).toContainText("DN number");
  await expect(number).toBeFocused();
  await expect(number).toHaveAttribute("aria-invalid", "true");
  await expect(number).toHaveAccessibleDescription(/DN number: 1–32 letters/);
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("1077");
  await expect(number).not.toHaveAttribute("aria-invalid");
  await page.keyboard.press("Enter");
  const password = form.getByLabel("SIP password");
  await expect(form.getByRole("alert")).toHaveText("A new extension needs a SIP password.");
  await expect(password).toBeFocused();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription("A new extension needs a SIP password.");
  expect(dnExists("1077")).toBe(false);

  // Agent logins: Edit focuses the name; Delete asks in the row, and Cancel or Escape backs out.
  const agents = page.getByRole("table", { name: "Agent logins" });
  const agentForm = page.getByRole("form", { name: "Add an agent login" });
  const editAgent = agents.getByRole("button", { name: "Edit 5001" });
  await tabTo(page, editAgent);
  await page.keyboard.press("Enter");
  await expect(agentForm.getByLabel("Agent name")).toBeFocused();
  await expect(agentForm.getByLabel("Agent name")).toHaveValue("Alice");
  await expect(agentForm.getByLabel("Login code")).toHaveValue("5001");
  await page.keyboard.press("Escape");
  await expect(editAgent).toBeFocused();
  await expect(agentForm.getByLabel("Login code")).toHaveValue("");
  const deleteAgent = agents.getByRole("button", { name: "Delete 5001" });
  await page.keyboard.press("Tab");
  await expect(deleteAgent).toBeFocused();
  await page.keyboard.press("Enter");
  const confirmAgent = agents.getByRole("button", { name: "Confirm delete 5001" });
  await expect(confirmAgent).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(agents.getByRole("button", { name: "Cancel deleting 5001" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(deleteAgent).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(confirmAgent).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(deleteAgent).toBeFocused();
  await expect(page.getByTestId("agent-row-5001")).toBeVisible();

  // Recorders: add one, move it with focus staying on the pressed button, then delete it with the
  // in-row confirm (the seeded "lab" recorder is left alone: other specs use it).
  const before = recorderOrder();
  const recorderForm = page.getByRole("form", { name: "Add a recorder" });
  await tabTo(page, recorderForm.getByLabel("Recorder name"));
  await page.keyboard.type("kbd-temp");
  await page.keyboard.press("Tab");
  await page.keyboard.type("sip:127.0.0.1:5998");
  await page.keyboard.press("Enter");
  const recorderStatus = recorderForm.getByRole("status");
  await expect(recorderStatus).toHaveText("Saved recorder kbd-temp.");
  await expect(recorderStatus).toBeFocused();
  expect(recorderOrder()).toEqual([...before, "kbd-temp"]);

  const up = page.getByRole("button", { name: "Move kbd-temp up" });
  const down = page.getByRole("button", { name: "Move kbd-temp down" });
  await tabTo(page, up, "Shift+Tab", 20);
  await page.keyboard.press("Enter");
  const movedUp = [...before.slice(0, -1), "kbd-temp", ...before.slice(-1)];
  await expect.poll(recorderOrder).toEqual(movedUp);
  await expect(up).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(down).toBeFocused();
  await page.keyboard.press("Enter");
  await expect.poll(recorderOrder).toEqual([...before, "kbd-temp"]);
  await expect(down).toBeFocused();
  await expect(down).toHaveAttribute("aria-disabled", "true");

  const deleteRecorder = page.getByRole("button", { name: "Delete kbd-temp" });
  await tabTo(page, deleteRecorder);
  await page.keyboard.press("Enter");
  const confirmRecorder = page.getByRole("button", { name: "Confirm delete kbd-temp" });
  await expect(confirmRecorder).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(deleteRecorder).toBeFocused();
  expect(recorderOrder()).toContain("kbd-temp");
  await page.keyboard.press("Enter");
  await expect(confirmRecorder).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(recorderStatus).toHaveText("Deleted recorder kbd-temp.");
  await expect(recorderStatus).toBeFocused();
  await expect.poll(recorderOrder).toEqual(before);
  await expect(page.getByRole("list", { name: "Recorders" })).not.toContainText("kbd-temp");
});
