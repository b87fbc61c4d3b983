/** Triggers only the standing policy opens: full time on the extension, the agent login, the trunk. */
const FULL_TIME = new Set(["full_time_dn", "full_time_agent", "full_time_trunk"]);
/** A full-time recording in one of these states is running or completed. */
const RECORDED = new Set(["recording", "paused", "interrupted", "stopped"]);

export type ComplianceCall = {
  connId: string;
  startedAt: Date;
  callerNumber: string;
  calleeNumber: string;
};

export type ComplianceSession = {
  id: string;
  connId: string;
  side: string;
  trigger: string;
  state: string;
  dn: string;
  agentId: string;
  outcomeReason: string;
};

/** A recording_missing alarm: `subject` is the DN of the side the watchdog found unrecorded. */
export type MissingAlarm = { connId: string; subject: string; message: string; raisedAt: Date };

export type UnrecordedCall = {
  connId: string;
  startedAt: Date;
  /** "caller → callee" when a recording of the call saved its parties, else "". */
  parties: string;
  /** The DN and agent of the side policy required, when a recording names them. */
  dn: string;
  agentId: string;
  reason: string;
  /** The call has recordings, so the call view finds it. */
  inCallView: boolean;
};

export type Compliance = {
  /** Today's calls whose policy requires a recording and that are settled (not starting). */
  required: number;
  /** Of those, the calls whose every required side has a recording running or completed. */
  recorded: number;
  /** recorded / required in percent, one decimal; null with no required call. */
  percent: number | null;
  /** Required calls whose full-time recording is still starting (not counted yet). */
  starting: number;
  /** The required calls that are not recorded as policy requires, newest first. */
  unrecorded: UnrecordedCall[];
};

/**
 * "% of calls recorded as policy requires", over today's calls (`calls`: their RecordedCall rows;
 * `sessions`: every recording session of those calls; `alarms`: today's recording_missing alarms).
 *
 * A call requires recording when the standing policy acted on it: it has a full-time recording
 * (only full time on the DN, agent login or trunk opens those), or the compliance watchdog raised
 * recording_missing for it (a side policy named was not recording 3 s after the answer or stayed
 * interrupted 30 s — also when no recording could even be opened). It is recorded as required
 * when each side with a full-time recording has one running or completed (recording, paused,
 * interrupted while failing over, stopped; a parallel copy counts; failed does not) and the DN
 * of each alarm has such a recording too (a recorder that answered late is an alarm, but the side
 * is recorded; a side no recording was opened for is not). A call whose full-time recording is
 * still starting is left out of both counts until it settles.
 */
export function assessCompliance(
  calls: readonly ComplianceCall[],
  sessions: readonly ComplianceSession[],
  alarms: readonly MissingAlarm[],
): Compliance {
  const callOf = new Map(calls.map((c) => [c.connId, c]));
  const sidesOf = new Map<string, Map<string, ComplianceSession[]>>();
  const sessionCount = new Map<string, number>();
  for (const s of sessions) {
    sessionCount.set(s.connId, (sessionCount.get(s.connId) ?? 0) + 1);
    if (!FULL_TIME.has(s.trigger)) continue;
    const sides = sidesOf.get(s.connId) ?? new Map<string, ComplianceSession[]>();
    sides.set(s.side, [...(sides.get(s.side) ?? []), s]);
    sidesOf.set(s.connId, sides);
  }
  const alarmOf = new Map<string, MissingAlarm>();
  for (const a of alarms) if (!alarmOf.has(a.connId)) alarmOf.set(a.connId, a);

  let required = 0;
  let recorded = 0;
  let starting = 0;
  const unrecorded: UnrecordedCall[] = [];
  for (const connId of new Set([...sidesOf.keys(), ...alarmOf.keys()])) {
    const call = callOf.get(connId);
    const sides = [...(sidesOf.get(connId) ?? new Map<string, ComplianceSession[]>()).entries()];
    const raised = alarmOf.get(connId);
    // The watchdog's side is recorded after all when a full-time recording on its DN runs or ran.
    const alarm =
      raised !== undefined &&
      sides.some(([, rows]) => rows.some((r) => r.dn === raised.subject && RECORDED.has(r.state)))
        ? undefined
        : raised;
    const failedSide = sides.find(
      ([, rows]) => !rows.some((r) => RECORDED.has(r.state) || r.state === "starting"),
    );
    const startingSide = sides.find(([, rows]) => !rows.some((r) => RECORDED.has(r.state)));
    if (alarm === undefined && failedSide === undefined && startingSide !== undefined) {
      starting++;
      continue;
    }
    required++;
    if (alarm === undefined && failedSide === undefined) {
      recorded++;
      continue;
    }
    const named = (failedSide ?? sides[0])?.[1][0];
    unrecorded.push({
      connId,
      startedAt: call?.startedAt ?? alarm?.raisedAt ?? new Date(0),
      parties: call && call.callerNumber !== "" ? `${call.callerNumber} → ${call.calleeNumber}` : "",
      dn: named?.dn ?? "",
      agentId: named?.agentId ?? "",
      reason:
        alarm?.message ??
        `The full-time recording of the ${failedSide![0]} side failed${
          failedSide![1][0]!.outcomeReason ? `: ${failedSide![1][0]!.outcomeReason}` : ""
        }.`,
      inCallView: (sessionCount.get(connId) ?? 0) > 0,
    });
  }
  unrecorded.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  return {
    required,
    recorded,
    percent: required === 0 ? null : Math.round((recorded / required) * 1000) / 10,
    starting,
    unrecorded,
  };
}
