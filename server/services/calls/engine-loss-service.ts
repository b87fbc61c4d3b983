import type { Call } from "../../sip/calls/call";
import type { EngineLoss } from "../../sip/media/media-engine-pool";
import { AlarmKind, type AlarmService } from "../alarms/alarm-service";
import type { RecordingService } from "../recording/recording-service";

/** What engine-loss handling needs of the call layer (CallController implements it). */
export interface EngineLossCallLayer {
  callsOnEngine(engineUri: string, bootId: string | undefined): Call[];
  release(
    call: Call,
    cause: string,
    initiator?: "caller" | "callee" | "media",
    reason?: string,
  ): Promise<void>;
}

/**
 * A media engine instance is gone (killed, crashed, restarted, or silent): the media of every
 * call anchored on it stopped when it did. Those calls cannot be saved — their RTP went to
 * ports nobody listens on any more — so they are ended cleanly and at once, and the history
 * and the operator are told the truth:
 * - each party gets a BYE with an RFC 3326 Reason saying the media path was lost;
 * - their recordings end as `failed`, dated when the engine was last known alive;
 * - one alarm names the engine and what the incident cost (calls, recordings).
 */
export class EngineLossService {
  constructor(
    private readonly calls: EngineLossCallLayer,
    private readonly recordings: Pick<RecordingService, "mediaLost">,
    private readonly alarms: Pick<AlarmService, "raise">,
  ) {}

  async handle(loss: EngineLoss): Promise<{ calls: number; recordings: number }> {
    const at = loss.lastAliveAt ?? new Date();
    const calls = this.calls.callsOnEngine(loss.uri, loss.bootId);
    const why = `media path lost: ${loss.detail}`;
    // Recordings first: the call's release must not close them as normally stopped.
    const recordings = await this.recordings.mediaLost(
      calls.map((call) => call.connId),
      at,
      why,
    );
    const what =
      calls.length === 0
        ? "no call was on it"
        : `${plural(calls.length, "call")} ended (BYE to both parties), ${plural(recordings, "recording")} failed`;
    // Raised before the releases finish: their BYEs to a dead engine may take a transaction
    // timeout, and the supervisor must know now.
    const alarm = this.alarms.raise({
      kind: AlarmKind.MediaEngineLost,
      subject: loss.uri,
      message: `${capitalize(loss.detail)}: ${what}. New calls go to the engines that answer.`,
    });
    const text = loss.cause === "restarted" ? "media engine restarted" : "media engine not answering";
    await Promise.allSettled([
      alarm,
      ...calls.map((call) =>
        this.calls.release(call, why, undefined, `SIP;cause=503;text="Media path lost (${text})"`),
      ),
    ]);
    await alarm;
    return { calls: calls.length, recordings };
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
