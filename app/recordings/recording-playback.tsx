"use client";

import { useState } from "react";
import { playbackLink, recorderHostPort } from "../../common/recorder-host-port";
import { type PlayerRecording, RecordingPlayer } from "./recording-player";

/** A configured recorder, as the recorder list gives it. */
export type PlaybackRecorder = { name: string; uri: string; playbackUrl: string };

/**
 * How a recording is listened to from its card: a Play button opening the player for the lab
 * recorder's recordings, or for a third-party recorder with a playback URL, a link to its player
 * (through the server, which audits the listen and redirects).
 */
export function RecordingPlayback({
  recording,
  recorderUri,
  recorders,
}: {
  recording: PlayerRecording;
  recorderUri: string;
  recorders: readonly PlaybackRecorder[];
}) {
  const [open, setOpen] = useState(false);
  if (recorderUri === "") return null;
  const where = recorderHostPort(recorderUri);
  const external = recorders.find((r) => r.playbackUrl !== "" && recorderHostPort(r.uri) === where);
  if (external)
    return (
      <a
        href={`/api/recordings/${encodeURIComponent(recording.id)}/audio`}
        target="_blank"
        rel="noopener noreferrer"
        title={playbackLink(external.playbackUrl, recording.id)}
        className="text-sm text-blue-700 underline"
      >
        Play in {external.name}
      </a>
    );
  return (
    <div>
      {!open && (
        <button
          type="button"
          aria-label={`Play recording ${recording.id}`}
          onClick={() => setOpen(true)}
          className="rounded-md border border-slate-300 px-2 py-0.5 text-sm hover:bg-slate-50 max-md:min-h-10 max-md:px-3"
        >
          ▶ Play
        </button>
      )}
      {open && <RecordingPlayer recording={recording} onClose={() => setOpen(false)} />}
    </div>
  );
}
