import {
  RECORDING_TONE_MODES,
  type RecordingTone,
  type RecordingToneParties,
} from "../../../common/schemas/config-schemas";
import type { CallSide } from "../../../common/schemas/recording-schemas";
import type { MsmlPlay } from "../../../protocol/msml";
import type { Call } from "../../sip/calls/call";
import type { Db } from "../db";

/** The tone (issue 15 §7): 1400 Hz for 0.5 s, as Cisco Unified CM's recording notification tone. */
export const NOTIFICATION_TONE = { frequencyHz: 1400, durationMs: 500 } as const;

/** One DN's setting, as stored. */
export type DnToneSetting = {
  readonly recordingTone: RecordingTone;
  readonly recordingToneEverySeconds: number;
  readonly recordingToneParties: RecordingToneParties;
};

/** What a call's recordings announce: to whom, and how often after each start and resume. */
export type CallToneSetting = {
  readonly repeatEverySeconds: number | undefined;
  readonly parties: RecordingToneParties;
};

/**
 * The call's tone from its DNs' settings: any DN that asks for one gets it (two-party consent:
 * one party's rule is enough). The most of every setting wins: `repeat` over `start`, the shortest
 * interval of the DNs that repeat, and the parties of all DNs that ask (customer and agent: both).
 * Undefined when every DN says off.
 */
export function combineToneSettings(settings: readonly DnToneSetting[]): CallToneSetting | undefined {
  const asking = settings.filter((s) => s.recordingTone !== "off");
  if (asking.length === 0) return undefined;
  const order: readonly string[] = RECORDING_TONE_MODES;
  const mode = asking
    .map((s) => s.recordingTone)
    .reduce((most, m) => (order.indexOf(m) > order.indexOf(most) ? m : most));
  const intervals = asking
    .filter((s) => s.recordingTone === "repeat")
    .map((s) => s.recordingToneEverySeconds);
  const named = new Set(asking.map((s) => s.recordingToneParties));
  const parties = named.has("both") || named.size > 1 ? "both" : [...named][0]!;
  return { repeatEverySeconds: mode === "repeat" ? Math.min(...intervals) : undefined, parties };
}

/**
 * The sides of a call that hear the tone: the customer is a trunk party, the agent an extension.
 * A call between two extensions has no customer: "customer" then reaches nobody.
 */
export function toneSides(call: Call, parties: RecordingToneParties): CallSide[] {
  const sides: [CallSide, string | undefined][] = [
    ["caller", call.caller.party.kind],
    ["callee", call.callee?.party.kind],
  ];
  return sides
    .filter(([, kind]) => kind !== undefined)
    .filter(([, kind]) => parties === "both" || (parties === "customer") === (kind === "trunk"))
    .map(([side]) => side);
}

/** The MSML `<play>` of the tone, tied to the recording dialog it announces. */
export function tonePlay(setting: CallToneSetting, recordingDialogId: string): MsmlPlay {
  return {
    tone: NOTIFICATION_TONE,
    ...(setting.repeatEverySeconds === undefined
      ? {}
      : { iterations: "forever" as const, intervalMs: setting.repeatEverySeconds * 1000 }),
    whileRecording: recordingDialogId,
  };
}

/** Reads the tone setting of a call's DNs (caller, callee); DNs not configured here are off. */
export async function toneSettingFor(db: Db, call: Call): Promise<CallToneSetting | undefined> {
  const numbers = [call.caller.party.dn, call.callee?.party.dn].filter((n): n is string => !!n);
  const rows = await db.dn.findMany({
    where: { number: { in: numbers } },
    select: { recordingTone: true, recordingToneEverySeconds: true, recordingToneParties: true },
  });
  return combineToneSettings(
    rows.map((r) => ({
      recordingTone: r.recordingTone as RecordingTone,
      recordingToneEverySeconds: r.recordingToneEverySeconds,
      recordingToneParties: r.recordingToneParties as RecordingToneParties,
    })),
  );
}

/** What the notifier needs of the call layer and of the live recordings. */
export interface RecordingToneDeps {
  readonly db: Db;
  readonly calls: {
    get(connId: string): Call | undefined;
    playTone(connId: string, via: CallSide, sides: readonly CallSide[], play: MsmlPlay): Promise<void>;
  };
  /** Whether a recording is live and recording (not paused, not ended). */
  isRecording(recordingId: string): boolean;
}

/**
 * Asks the media engine for the notification tone once it reports that a recording started or
 * resumed (so the tone never announces a recording that did not happen), for calls whose DNs ask
 * for one. The engine ends a repeating tone itself when its recording pauses, stops or fails.
 */
export class RecordingToneNotifier {
  /** Per call (connId): the recording whose tone repeats now, so a second one does not double it. */
  private readonly repeating = new Map<string, string>();

  constructor(private readonly deps: RecordingToneDeps) {}

  async recordingActive(
    recording: { id: string; connId: string; callSide: CallSide; copyOf: string },
    dialogId: string,
  ): Promise<void> {
    // A parallel copy records the same audio as its primary: one tone announces both.
    if (recording.copyOf !== "") return;
    const call = this.deps.calls.get(recording.connId);
    if (call === undefined) return;
    const setting = await toneSettingFor(this.deps.db, call);
    if (setting === undefined) return;
    const other = this.repeating.get(call.connId);
    const repeats = setting.repeatEverySeconds !== undefined;
    if (repeats && other !== undefined && other !== recording.id && this.deps.isRecording(other)) return;
    const sides = toneSides(call, setting.parties);
    if (sides.length === 0) return;
    await this.deps.calls.playTone(call.connId, recording.callSide, sides, tonePlay(setting, dialogId));
    if (repeats) this.repeating.set(call.connId, recording.id);
  }

  callEnded(connId: string): void {
    this.repeating.delete(connId);
  }
}
