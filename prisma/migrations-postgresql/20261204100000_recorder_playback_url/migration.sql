-- Playback (issue 17 §1): a third-party recorder's player URL template, {id} for the recording id.
ALTER TABLE "Recorder" ADD COLUMN "playbackUrl" TEXT NOT NULL DEFAULT '';
