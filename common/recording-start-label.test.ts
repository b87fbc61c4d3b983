import { describe, expect, it } from "vitest";
import { recordingStartLabel } from "./recording-start-label";

describe("recordingStartLabel", () => {
  it.each([
    ["full_time_dn", "full_time_dn:1001", "full-time (extension)"],
    ["full_time_agent", "full_time_agent:1004", "full-time (agent)"],
    ["full_time_trunk", "full_time_trunk:pstn", "full-time (trunk)"],
    ["route", "route", "routing strategy"],
    // The requester strings the server writes (recording-router, softphone-access, recording-control).
    ["private_service", "user:supervisor", "started by supervisor"],
    ["private_service", "user:dana via cti:1004", "started by dana"],
    ["private_service", "user:ci-bot (API token)", "started by ci-bot (API token)"],
    ["private_service", "cti:1003", "CTI start from 1003"],
    ["private_service", "", "started on request"],
  ])("%s by %j → %s", (trigger, by, label) => {
    expect(recordingStartLabel(trigger, by)).toBe(label);
  });
});
