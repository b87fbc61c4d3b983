import { describe, expect, it } from "vitest";
import type { Role } from "../../../common/roles";
import { type ActorContext, describeActor, describeStart } from "./describe-actor";

const roles: Record<string, Role> = { dana: "supervisor", amy: "agent", admin: "admin", ci: "admin" };
const ctx = (agentId = "", agentName = ""): ActorContext => ({
  roleOf: (username) => roles[username],
  agentId,
  agentName,
});

describe("describeActor", () => {
  it.each([
    ["full_time_dn:1003", ctx(), "Full-time: extension 1003"],
    ["full_time_trunk:pstn", ctx(), "Full-time: trunk pstn"],
    ["full_time_agent:1004", ctx("5001", "Alice"), "Full-time: agent login 5001 (Alice) on 1004"],
    ["full_time_agent:1004", ctx("5001"), "Full-time: agent login 5001 on 1004"],
    ["full_time_agent:1004", ctx(), "Full-time: agent login on 1004"],
    ["user:dana via cti:1004", ctx(), "dana (supervisor) via CTI on 1004"],
    ["user:amy via cti:1002", ctx(), "amy (agent) via CTI on 1002"],
    ["user:gone via cti:1002", ctx(), "gone via CTI on 1002"],
    ["user:admin", ctx(), "admin (admin)"],
    ["user:ci (API token)", ctx(), "ci (API token, admin)"],
    ["cti:1003", ctx(), "CTI client on 1003"],
    ["route", ctx(), "Routing strategy"],
    ["route:7000", ctx(), "Routing strategy at 7000"],
    ["media-engine", ctx(), "Media engine"],
    ["media-engine-loss", ctx(), "Media engine lost"],
    ["system", ctx(), "System"],
    ["call", ctx(), "The call"],
    ["max-pause", ctx(), "Pause limit"],
    ["", ctx(), "—"],
    ["supervisor-a", ctx(), "supervisor-a"],
  ])("%s → %s", (by, context, label) => {
    expect(describeActor(by, context)).toBe(label);
  });
});

describe("describeStart", () => {
  it.each([
    ["private_service", "user:dana via cti:1004", "Supervisor start by dana (supervisor) via CTI on 1004"],
    ["private_service", "user:admin", "Supervisor start by admin (admin)"],
    ["private_service", "user:amy via cti:1002", "Agent start by amy (agent) via CTI on 1002"],
    ["private_service", "user:ci (API token)", "API start by ci (API token, admin)"],
    ["private_service", "user:gone", "Start by gone"],
    ["private_service", "cti:1003", "CTI start by CTI client on 1003"],
    ["full_time_dn", "full_time_dn:1003", "Full-time: extension 1003"],
    ["full_time_agent", "full_time_agent:1004", "Full-time: agent login 5001 (Alice) on 1004"],
    ["route", "route", "Routing strategy"],
    ["private_service", "supervisor", "Started by supervisor"],
  ])("%s asked by %s → %s", (trigger, by, label) => {
    expect(describeStart(trigger, by, ctx("5001", "Alice"))).toBe(label);
  });

  it("never calls a start a private service", () => {
    for (const by of ["user:dana", "cti:1003", "user:x via cti:1", "", "system"])
      expect(describeStart("private_service", by, ctx())).not.toMatch(/private service/i);
  });
});
