import { playbackLink, recorderHostPort } from "../../../common/recorder-host-port";
import { safeRecordingName, segmentSuffix } from "../../../recorder/recording-file-name";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";

/**
 * Where a recording is played from: the lab recorder's own files (proxied by the server, as
 * `<name>.wav` and `<name>.json` in its HTTP), or a third-party recorder's player (a link).
 */
export type PlaybackSource =
  { kind: "lab"; recordingId: string; fileName: string } | { kind: "link"; recordingId: string; url: string };

export type PlaybackAction = "listen" | "download";

/**
 * Where recording `recordingId`'s segment `segment` is played from. A recorder with a playback
 * URL template gives a link (`{id}` replaced); the lab recorder (`labRecorderUri`) gives its file,
 * named as the lab recorder names it (recorder/recording-file-name.ts: the id made file-safe,
 * `.seg<n>` from the second segment on). Any other recorder keeps its recordings to itself.
 */
export async function findPlaybackSource(
  db: Db,
  labRecorderUri: string,
  recordingId: string,
  segment: number,
): Promise<PlaybackSource> {
  const session = await db.recordingSession.findUnique({
    where: { id: recordingId },
    select: { id: true, recorderUri: true, segments: true },
  });
  if (!session) throw new AppError(AppErrorCode.NOT_FOUND, `No recording ${recordingId}.`);
  // A session that never reached a recorder has segments 0 yet may have a file of segment 1.
  if (segment > Math.max(1, session.segments))
    throw new AppError(
      AppErrorCode.NOT_FOUND,
      `Recording ${recordingId} has ${session.segments} segment(s), not ${segment}.`,
    );
  const where = recorderHostPort(session.recorderUri);
  if (where === undefined)
    throw new AppError(AppErrorCode.NOT_FOUND, `Recording ${recordingId} never reached a recorder.`);
  const recorders = await db.recorder.findMany({ select: { uri: true, playbackUrl: true } });
  const own = recorders.find((r) => recorderHostPort(r.uri) === where && r.playbackUrl !== "");
  if (own)
    return {
      kind: "link",
      recordingId,
      url: playbackLink(own.playbackUrl, recordingId),
    };
  if (where !== recorderHostPort(labRecorderUri))
    throw new AppError(
      AppErrorCode.NOT_FOUND,
      `Recording ${recordingId} is kept by ${session.recorderUri}, which has no playback URL: set one on the recorder.`,
    );
  return { kind: "lab", recordingId, fileName: safeRecordingName(recordingId) + segmentSuffix(segment) };
}

/**
 * An audit row for a listen or a download of a recording: who (the actor), which recording and
 * segment, which file. Recordings hold voices; compliance asks who heard them.
 */
export async function auditPlayback(
  db: Db,
  actor: Actor,
  entry: { recordingId: string; segment: number; action: PlaybackAction; file: "audio" | "metadata" },
): Promise<void> {
  await recordAudit(db, actor, {
    action: `recording.${entry.action}`,
    entity: "RecordingSession",
    entityId: entry.recordingId,
    after: { segment: entry.segment, file: entry.file },
  });
}
