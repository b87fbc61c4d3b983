-- What a recording actually delivered: packets sent and acknowledged, SIPREC segments, the
-- outcome once ended, and the gaps (recorder lost → continuation). Columns are added in place,
-- so every saved session, transition and pause is kept as it was.

-- CreateTable
CREATE TABLE "RecordingGap" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "recorderUri" TEXT NOT NULL DEFAULT '',
    "reason" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "RecordingGap_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "RecordingSession" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "RecordingGap_sessionId_idx" ON "RecordingGap"("sessionId");

-- AlterTable
ALTER TABLE "RecordingSession" ADD COLUMN "packetsSent" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "RecordingSession" ADD COLUMN "packetsAcked" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "RecordingSession" ADD COLUMN "segments" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "RecordingSession" ADD COLUMN "outcome" TEXT NOT NULL DEFAULT '';
ALTER TABLE "RecordingSession" ADD COLUMN "outcomeReason" TEXT NOT NULL DEFAULT '';
