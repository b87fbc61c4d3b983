import type { FullTimeStopRule } from "../../../common/schemas/config-schemas";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import { configEvents } from "./config-events";

const FULL_TIME_STOP_KEY = "recording.fullTimeStop";

/**
 * Who may stop a full-time recording: "supervisors" (the default: supervisors and admins; an
 * agent's stop is refused with NOT_PERMITTED) or "anyone" (every party too).
 */
export async function getFullTimeStopRule(db: Db): Promise<FullTimeStopRule> {
  const row = await db.setting.findUnique({ where: { key: FULL_TIME_STOP_KEY } });
  return row?.value === "anyone" ? "anyone" : "supervisors";
}

export async function getCompliance(db: Db): Promise<{ fullTimeStop: FullTimeStopRule }> {
  return { fullTimeStop: await getFullTimeStopRule(db) };
}

/** Changes who may stop a full-time recording; audited, applies to the next stop. */
export async function setFullTimeStopRule(
  db: Db,
  actor: Actor,
  rule: FullTimeStopRule,
): Promise<{ fullTimeStop: FullTimeStopRule }> {
  await db.$transaction(async (tx) => {
    const before = await tx.setting.findUnique({ where: { key: FULL_TIME_STOP_KEY } });
    await tx.setting.upsert({
      where: { key: FULL_TIME_STOP_KEY },
      create: { key: FULL_TIME_STOP_KEY, value: rule },
      update: { value: rule },
    });
    await recordAudit(tx, actor, {
      action: "compliance.fullTimeStop",
      entity: "Setting",
      entityId: FULL_TIME_STOP_KEY,
      before: { fullTimeStop: before?.value ?? "supervisors" },
      after: { fullTimeStop: rule },
    });
  });
  configEvents.emitChange({ entity: "Setting", id: FULL_TIME_STOP_KEY });
  return { fullTimeStop: rule };
}
