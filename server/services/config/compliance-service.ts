import type { FullTimeStopRule, StopReasonRule } from "../../../common/schemas/config-schemas";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import { configEvents } from "./config-events";

const FULL_TIME_STOP_KEY = "recording.fullTimeStop";
const STOP_REASON_KEY = "recording.stopReason";
const MAX_PAUSE_KEY = "recording.maxPauseSeconds";
/** PCI practice: a pause for a card number lasts seconds; one left on by mistake ends after 3 minutes. */
export const DEFAULT_MAX_PAUSE_SECONDS = 180;

export type ComplianceRules = {
  /** Who may stop a full-time recording. */
  fullTimeStop: FullTimeStopRule;
  /** Whether a stop needs a reason. */
  stopReason: StopReasonRule;
  /** The longest pause before the recording resumes by itself; 0: no limit. */
  maxPauseSeconds: number;
};

/**
 * Who may stop a full-time recording: "supervisors" (the default: supervisors and admins; an
 * agent's stop is refused with NOT_PERMITTED) or "anyone" (every party too).
 */
export async function getFullTimeStopRule(db: Db): Promise<FullTimeStopRule> {
  return (await getCompliance(db)).fullTimeStop;
}

export async function getCompliance(db: Pick<Db, "setting">): Promise<ComplianceRules> {
  const rows = await db.setting.findMany({
    where: { key: { in: [FULL_TIME_STOP_KEY, STOP_REASON_KEY, MAX_PAUSE_KEY] } },
  });
  const value = (key: string) => rows.find((r) => r.key === key)?.value;
  const maxPause = Number(value(MAX_PAUSE_KEY));
  return {
    fullTimeStop: value(FULL_TIME_STOP_KEY) === "anyone" ? "anyone" : "supervisors",
    stopReason: value(STOP_REASON_KEY) === "optional" ? "optional" : "required",
    maxPauseSeconds:
      value(MAX_PAUSE_KEY) !== undefined && Number.isInteger(maxPause) && maxPause >= 0
        ? maxPause
        : DEFAULT_MAX_PAUSE_SECONDS,
  };
}

/**
 * Changes compliance rules; each setting saved, audited as `compliance.<name>` with its value
 * before and after, and applied to the next request.
 */
export async function setCompliance(
  db: Db,
  actor: Actor,
  patch: Partial<ComplianceRules>,
): Promise<ComplianceRules> {
  const keys: Record<keyof ComplianceRules, string> = {
    fullTimeStop: FULL_TIME_STOP_KEY,
    stopReason: STOP_REASON_KEY,
    maxPauseSeconds: MAX_PAUSE_KEY,
  };
  await db.$transaction(async (tx) => {
    const before = await getCompliance(tx);
    for (const [name, value] of Object.entries(patch) as [keyof ComplianceRules, string | number][]) {
      if (value === undefined) continue;
      const key = keys[name];
      await tx.setting.upsert({
        where: { key },
        create: { key, value: String(value) },
        update: { value: String(value) },
      });
      await recordAudit(tx, actor, {
        action: `compliance.${name}`,
        entity: "Setting",
        entityId: key,
        before: { [name]: before[name] },
        after: { [name]: value },
      });
    }
  });
  configEvents.emitChange({ entity: "Setting", id: "recording.compliance" });
  return getCompliance(db);
}

/** Changes who may stop a full-time recording; audited, applies to the next stop. */
export async function setFullTimeStopRule(
  db: Db,
  actor: Actor,
  rule: FullTimeStopRule,
): Promise<ComplianceRules> {
  return setCompliance(db, actor, { fullTimeStop: rule });
}
