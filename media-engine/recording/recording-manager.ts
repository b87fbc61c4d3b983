import { randomUUID } from "node:crypto";
import { MsmlError, MsmlStatus, type MsmlRecord } from "../../protocol/msml";
import type { Dialog } from "../../sip-core";
import type { MediaLeg } from "../control/media-leg";
import type { MediaEndpoint } from "../rtp";
import { SrcRecording, type SrcRecordingDeps } from "./src-recording";
import type { SrcRecordingState } from "./src-recording-state";

/** MSML dialog names: RFC 5707 instance names, [a-zA-Z0-9.:\-_]+. */
const NAME = /^[A-Za-z0-9.:_-]{1,64}$/;

/**
 * The recording sessions of this media engine, addressed by MSML dialog id
 * (`conn:<leg>/dialog:<name>`), several per call if asked (agent side to one recorder, customer
 * side to another, or the same streams to two recorders).
 */
export class RecordingManager {
  private readonly sessions = new Map<string, SrcRecording>();

  constructor(
    private readonly deps: SrcRecordingDeps & { legOf(endpoint: MediaEndpoint): MediaLeg | undefined },
  ) {}

  /**
   * Checks a <dialogstart><record> and returns the action that starts it, so an MSML document
   * that fails later changes nothing.
   */
  prepare(target: MediaLeg, name: string | undefined, record: MsmlRecord): () => string {
    const dialogName = name ?? `rec-${randomUUID().slice(0, 8)}`;
    if (!NAME.test(dialogName)) {
      throw new MsmlError(
        MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
        `dialog name "${dialogName}" is not an MSML instance name`,
      );
    }
    const dialogId = `${target.connId}/dialog:${dialogName}`;
    if (this.sessions.get(dialogId)?.live) {
      throw new MsmlError(MsmlStatus.INSTANCE_NAME_IN_USE.code, `${dialogId} is already recording`);
    }
    const recordingId = record.recordingId ?? randomUUID();
    if ([...this.sessions.values()].some((s) => s.live && s.recordingId === recordingId)) {
      throw new MsmlError(MsmlStatus.INSTANCE_NAME_IN_USE.code, `recording id ${recordingId} is in use`);
    }
    return () => {
      const session = new SrcRecording(dialogId, target, recordingId, record, this.deps);
      this.sessions.set(dialogId, session);
      const legs = [
        target,
        ...this.deps.bridge.peersOf(target.endpoint).flatMap((e) => this.deps.legOf(e) ?? []),
      ];
      session.start(legs).catch((error: unknown) => this.deps.onError(error));
      return dialogId;
    };
  }

  /** A live session by MSML dialog id, or an MSML 430. */
  require(dialogId: string): SrcRecording {
    const session = this.sessions.get(dialogId);
    if (session === undefined || !session.live) {
      throw new MsmlError(MsmlStatus.OBJECT_DOES_NOT_EXIST.code, `${dialogId} does not exist`);
    }
    return session;
  }

  /** The state of a live recording by MSML dialog id, undefined when there is none. */
  stateOf(dialogId: string): SrcRecordingState | undefined {
    const session = this.sessions.get(dialogId);
    return session?.live ? session.state : undefined;
  }

  byRecorderDialog(dialog: Dialog): SrcRecording | undefined {
    return [...this.sessions.values()].find((session) => session.owns(dialog));
  }

  /** A leg ended: recordings of it stop (BYE to their recorders). */
  async legReleased(leg: MediaLeg): Promise<void> {
    const ending = [...this.sessions.values()].filter((s) => s.live && s.target === leg);
    await Promise.all(ending.map((s) => s.legEnded()));
    for (const [id, session] of this.sessions) if (!session.live) this.sessions.delete(id);
  }

  get liveCount(): number {
    return [...this.sessions.values()].filter((s) => s.live).length;
  }

  /** The engine is closing: connected recordings stop, interrupted ones fail (their gap never closes). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.engineClosing()));
  }
}
