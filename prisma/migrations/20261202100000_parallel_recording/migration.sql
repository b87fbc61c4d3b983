-- Parallel (dual) recording: a switch-wide setting table, and the link from a second copy to
-- the recording it copies. Added in place: saved sessions are kept as they are.

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- AlterTable
ALTER TABLE "RecordingSession" ADD COLUMN "copyOf" TEXT NOT NULL DEFAULT '';
