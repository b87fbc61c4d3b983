import { expect, test } from "../fixtures/test";
import { E2E } from "../../playwright.config";
import { readDb } from "../fixtures/database";
import { signIn } from "../fixtures/sign-in";

const dnRow = (number: string) =>
  readDb((db) => db.prepare("select * from Dn where number = ?").get(number) as Record<string, unknown>);

test("[ADMIN][DN_EDIT]: an admin edits a trunk and a routing point's default strategy", async ({ page }) => {
  await signIn(page, "admin", E2E.adminPassword);
  const form = page.getByRole("form", { name: "Add or update a DN" });

  await page.getByRole("button", { name: "Edit pstn" }).click();
  // Editing cannot turn into adding another number.
  await expect(form.getByLabel("Number", { exact: true })).toHaveAttribute("readonly", "");
  await expect(form.getByLabel("Peer host:port")).toHaveValue("127.0.0.1:5062");
  await form.getByLabel("Inbound numbers").fill("8001, 8002, 8003");
  await form.getByLabel("Outbound prefix").fill("0");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved DN pstn.");
  expect(dnRow("pstn")).toMatchObject({
    inboundNumbers: "8001,8002,8003",
    outboundPrefix: "0",
    peerPort: 5062,
  });
  await expect(page.getByTestId("dn-row-pstn")).toContainText("inbound 8001, 8002, 8003; prefix 0");

  await page.getByRole("button", { name: "Edit 7000" }).click();
  await form.getByLabel("Default target DN").fill("4444");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("alert")).toHaveText(
    "Route target 4444 must be an existing extension or trunk.",
  );
  await form.getByLabel("Default target DN").fill("1002");
  await form.getByLabel("Default record").selectOption("destination");
  await form.getByLabel("Params (k=v&k2=v2)").fill("novalue");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("alert")).toContainText('"novalue" is not key=value');
  expect(dnRow("7000")).toMatchObject({ routeTarget: "1001", routeRecord: "none" });

  await form.getByLabel("Params (k=v&k2=v2)").fill("campaign=spring&queue=sales");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved DN 7000.");
  expect(dnRow("7000")).toMatchObject({
    routeTarget: "1002",
    routeRecord: "destination",
    routeParams: JSON.stringify({ campaign: "spring", queue: "sales" }),
  });
  await expect(page.getByTestId("dn-row-7000")).toContainText("→ 1002, record=destination");
});

test("[ADMIN][DN_DELETE]: an admin deletes DNs from their rows, after confirming; a DN a routing point needs stays", async ({
  page,
}) => {
  await signIn(page, "admin", E2E.adminPassword);
  const form = page.getByRole("form", { name: "Add or update a DN" });
  await form.getByLabel("Number", { exact: true }).fill("1098");
  await form.getByLabel("SIP password").fill("secret-1098");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved DN 1098.");
  await form.getByLabel("Number", { exact: true }).fill("7098");
  await form.getByLabel("Type").selectOption("routing_point");
  await form.getByLabel("Default target DN").fill("1098");
  await form.getByRole("button", { name: "Save DN" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved DN 7098.");

  // Refused while the routing point routes to it: the reason is shown, the row stays.
  await page.getByRole("button", { name: "Delete 1098" }).click();
  await page.getByRole("button", { name: "Confirm delete 1098" }).click();
  await expect(
    page
      .getByRole("alert")
      .filter({ hasText: "Routing point 7098 routes to 1098; change its target first." }),
  ).toBeVisible();
  expect(dnRow("1098")).toMatchObject({ number: "1098" });

  // Cancel backs out; confirming deletes, and says so.
  await page.getByRole("button", { name: "Delete 7098" }).click();
  await page.getByRole("button", { name: "Cancel deleting 7098" }).click();
  await expect(page.getByTestId("dn-row-7098")).toBeVisible();
  await page.getByRole("button", { name: "Delete 7098" }).click();
  await page.getByRole("button", { name: "Confirm delete 7098" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted DN 7098." })).toBeVisible();
  await expect(page.getByTestId("dn-row-7098")).toHaveCount(0);
  await page.getByRole("button", { name: "Delete 1098" }).click();
  await page.getByRole("button", { name: "Confirm delete 1098" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted DN 1098." })).toBeVisible();
  expect(dnRow("1098")).toBeUndefined();
  expect(dnRow("7098")).toBeUndefined();
  expect(
    readDb((db) =>
      db
        .prepare(
          "select count(*) as n from AuditEvent where action = 'dn.delete' and entityId in ('1098', '7098')",
        )
        .get(),
    ),
  ).toEqual({ n: 2 });
});
