import { randomUUID } from "node:crypto";
import { MsmlError, MsmlStatus, type MsmlPlay } from "../../protocol/msml";
import type { MediaLeg } from "../control/media-leg";
import type { MediaBridge } from "../rtp";
import { SrcRecordingState } from "../recording/src-recording-state";
import { ToneOverlay } from "./tone-overlay";
import { g711EncodingOf } from "./tone-synth";

/** MSML dialog names: RFC 5707 instance names, [a-zA-Z0-9.:\-_]+. */
const NAME = /^[A-Za-z0-9.:_-]{1,64}$/;
/**
 * How long after a last tone should have ended its dialog ends anyway: the tone rides on the
 * packets relayed to the party (ToneOverlay), and a party nobody sends to would keep it open.
 */
const LAST_TONE_GRACE_MS = 2_000;

export interface PlayDialogsDeps {
  readonly bridge: MediaBridge;
  /** The state of a live recording dialog, undefined when there is none by that id. */
  recordingState(dialogId: string): SrcRecordingState | undefined;
}

/**
 * One `<play>` dialog (msml-play.ts): a tone in what the target connection's party hears, once,
 * n times or until ended, every `interval` from the start of one to the start of the next.
 */
class PlayDialog {
  private played = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    readonly dialogId: string,
    readonly target: MediaLeg,
    readonly play: MsmlPlay,
    private readonly overlay: ToneOverlay,
    private readonly onEnd: (dialog: PlayDialog) => void,
  ) {}

  private get more(): boolean {
    const iterations = this.play.iterations ?? 1;
    return iterations === "forever" || this.played < iterations;
  }

  start(): void {
    this.played++;
    const { tone } = this.play;
    this.overlay.sound(tone, this, () => {
      if (!this.more) this.end();
    });
    if (this.more) {
      this.timer = setTimeout(() => this.start(), this.play.intervalMs ?? tone.durationMs);
    } else {
      this.timer = setTimeout(() => this.end(), tone.durationMs + LAST_TONE_GRACE_MS);
    }
  }

  /** Cuts the tone off if it is sounding and cancels every pending repeat. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.overlay.silence(this);
    this.onEnd(this);
  }
}

/**
 * The `<play>` dialogs of this media engine (the recording notification tone), by MSML dialog id
 * `conn:<leg>/dialog:<name>`. A party's tone is put into the RTP relayed to it by one ToneOverlay
 * per leg, the bridge's outgoing filter of the leg's endpoint while any play of the leg is live.
 * A play tied to a recording (`whilerecording`) ends when that recording pauses, stops or fails.
 */
export class PlayDialogs {
  private readonly dialogs = new Map<string, PlayDialog>();
  private readonly overlays = new Map<MediaLeg, ToneOverlay>();

  constructor(private readonly deps: PlayDialogsDeps) {}

  /**
   * Checks a <dialogstart><play> and returns the action that starts it, so an MSML document that
   * fails later changes nothing.
   */
  prepare(target: MediaLeg, name: string | undefined, play: MsmlPlay): () => string {
    const encoding = g711EncodingOf(target.codec.encoding);
    if (encoding === undefined) {
      throw new MsmlError(
        MsmlStatus.INCOMPATIBLE_STREAM_FORMAT.code,
        `${target.connId} uses ${target.codec.encoding}: tones are synthesised in G.711 (PCMU, PCMA) only`,
      );
    }
    const dialogName = name ?? `tone-${randomUUID().slice(0, 8)}`;
    if (!NAME.test(dialogName)) {
      throw new MsmlError(
        MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
        `dialog name "${dialogName}" is not an MSML instance name`,
      );
    }
    const dialogId = `${target.connId}/dialog:${dialogName}`;
    if (this.dialogs.has(dialogId) || this.deps.recordingState(dialogId) !== undefined) {
      throw new MsmlError(MsmlStatus.INSTANCE_NAME_IN_USE.code, `${dialogId} is in use`);
    }
    if (play.whileRecording !== undefined) {
      const state = this.deps.recordingState(play.whileRecording);
      if (state === undefined) {
        throw new MsmlError(MsmlStatus.OBJECT_DOES_NOT_EXIST.code, `${play.whileRecording} does not exist`);
      }
      if (state === SrcRecordingState.Paused) {
        throw new MsmlError(
          MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
          `${play.whileRecording} is paused: its tone would announce nothing`,
        );
      }
    }
    return () => {
      // Two items of one MSML document naming the same dialog both passed the check: the later
      // replaces the earlier, which must not go on unseen (a forever play would never end).
      this.dialogs.get(dialogId)?.end();
      let overlay = this.overlays.get(target);
      if (overlay === undefined) {
        overlay = new ToneOverlay({ payloadType: target.codec.payloadType, encoding });
        this.overlays.set(target, overlay);
        this.deps.bridge.setOutgoingFilter(target.endpoint, overlay.filter);
      }
      const dialog = new PlayDialog(dialogId, target, play, overlay, (ended) => this.forget(ended));
      this.dialogs.set(dialogId, dialog);
      dialog.start();
      return dialogId;
    };
  }

  has(dialogId: string): boolean {
    return this.dialogs.has(dialogId);
  }

  /** MSML `<dialogend>` of a play: the tone stops at once, no repeat follows. */
  end(dialogId: string): void {
    this.dialogs.get(dialogId)?.end();
  }

  /** A recording paused, stopped or failed: the plays tied to it end (a pending repeat never sounds). */
  recordingQuiet(recordingDialogId: string): void {
    for (const dialog of [...this.dialogs.values()]) {
      if (dialog.play.whileRecording === recordingDialogId) dialog.end();
    }
  }

  /** A leg ended: the plays to it end with it. */
  legReleased(leg: MediaLeg): void {
    for (const dialog of [...this.dialogs.values()]) if (dialog.target === leg) dialog.end();
  }

  closeAll(): void {
    for (const dialog of [...this.dialogs.values()]) dialog.end();
  }

  get liveCount(): number {
    return this.dialogs.size;
  }

  private forget(dialog: PlayDialog): void {
    if (this.dialogs.get(dialog.dialogId) === dialog) this.dialogs.delete(dialog.dialogId);
    const target = dialog.target;
    if ([...this.dialogs.values()].some((d) => d.target === target)) return;
    // The leg's last play ended: its packets are relayed untouched again, without a filter call.
    this.overlays.delete(target);
    this.deps.bridge.setOutgoingFilter(target.endpoint, undefined);
  }
}
