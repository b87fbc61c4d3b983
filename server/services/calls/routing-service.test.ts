import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../db";
import { createTestDb } from "../../test-support/test-db";
import { RoutingService } from "./routing-service";

let db: Db;
let cleanup: () => Promise<void>;
let routing: RoutingService;
const fromExtension = { kind: "extension", dn: "1001" } as const;
const fromPstn = { kind: "trunk", dn: "pstn", peerHost: "127.0.0.1" } as const;

beforeEach(async () => {
  ({ db, cleanup } = await createTestDb());
  routing = new RoutingService(db);
  await db.dn.createMany({
    data: [
      { number: "1001", type: "extension", displayName: "Desk 1" },
      { number: "1002", type: "extension", record: true },
      {
        number: "pstn",
        type: "trunk",
        peerHost: "127.0.0.1",
        peerPort: 5062,
        inboundNumbers: "1001, 7000",
        outboundPrefix: "9",
        record: true,
      },
      // A longer prefix of another trunk wins over the shorter one.
      { number: "intl", type: "trunk", peerHost: "192.0.2.7", outboundPrefix: "900" },
      // A trunk with a prefix but no peer cannot carry calls.
      { number: "dead", type: "trunk", outboundPrefix: "8" },
      {
        number: "7000",
        type: "routing_point",
        routeTarget: "1002",
        routeRecord: "destination",
        routeParams: JSON.stringify({ campaign: "spring" }),
      },
    ],
  });
});
afterEach(() => cleanup());

describe("RoutingService: the dial plan, read on every call", () => {
  it("routes an extension to an extension or a routing point by number", async () => {
    expect(await routing.route(fromExtension, "1002")).toEqual({
      kind: "extension",
      dn: "1002",
      record: true,
      displayName: "",
    });
    expect(await routing.route(fromExtension, "7000")).toEqual({
      kind: "routing_point",
      dn: "7000",
      defaultTarget: "1002",
      defaultRecord: "destination",
      defaultParams: { campaign: "spring" },
    });
  });

  it("sends other numbers out through the trunk whose outbound prefix starts them, prefix stripped", async () => {
    expect(await routing.route(fromExtension, "9123456")).toEqual({
      kind: "trunk",
      dn: "pstn",
      number: "123456",
      host: "127.0.0.1",
      port: 5062,
      record: true,
    });
    // The longest matching prefix wins; a trunk without a port defaults to 5060.
    expect(await routing.route(fromExtension, "90033123")).toMatchObject({
      kind: "trunk",
      dn: "intl",
      number: "33123",
      port: 5060,
    });
    // A prefix alone is not a number; a trunk without a peer is never chosen.
    expect(await routing.route(fromExtension, "9")).toMatchObject({ kind: "reject", status: 484 });
    expect(await routing.route(fromExtension, "8123")).toMatchObject({ kind: "reject", status: 404 });
  });

  it("lets a trunk call only its inbound numbers, and never reach another trunk", async () => {
    expect(await routing.route(fromPstn, "1001")).toMatchObject({ kind: "extension", dn: "1001" });
    expect(await routing.route(fromPstn, "7000")).toMatchObject({ kind: "routing_point", dn: "7000" });
    expect(await routing.route(fromPstn, "1002")).toEqual({
      kind: "reject",
      status: 404,
      reason: "Number 1002 is not an inbound number of trunk pstn",
    });
    expect(await routing.route(fromExtension, "pstn")).toEqual({
      kind: "reject",
      status: 403,
      reason: "pstn is a trunk",
    });
  });

  it("refuses a malformed number with 484 and an unknown one with 404", async () => {
    expect(await routing.route(fromExtension, "")).toMatchObject({ kind: "reject", status: 484 });
    expect(await routing.route(fromExtension, "10 01")).toMatchObject({ kind: "reject", status: 484 });
    expect(await routing.route(fromExtension, "x".repeat(65))).toMatchObject({ kind: "reject", status: 484 });
    expect(await routing.route(fromExtension, "4444")).toEqual({
      kind: "reject",
      status: 404,
      reason: "No route for 4444",
    });
  });

  it("applies an admin's change to the next call, without a restart", async () => {
    expect(await routing.route(fromPstn, "1002")).toMatchObject({ kind: "reject" });
    await db.dn.update({ where: { number: "pstn" }, data: { inboundNumbers: "1001,1002,7000" } });
    expect(await routing.route(fromPstn, "1002")).toMatchObject({ kind: "extension", dn: "1002" });
    expect(await routing.trunks()).toEqual([
      { dn: "pstn", host: "127.0.0.1", port: 5062, portMatch: true, record: true },
      { dn: "intl", host: "192.0.2.7", port: 5060, portMatch: true, record: false },
    ]);
    expect(await routing.isExtension("1001")).toBe(true);
    expect(await routing.isExtension("7000")).toBe(false);
  });
});
