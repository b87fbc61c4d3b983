-- CreateTable
CREATE TABLE "Alarm" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "message" TEXT NOT NULL,
    "connId" TEXT,
    "recordingId" TEXT,
    "count" INTEGER NOT NULL DEFAULT 1,
    "raisedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastRaisedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" DATETIME,
    "acknowledgedBy" TEXT
);

-- CreateIndex
CREATE INDEX "Alarm_acknowledgedAt_idx" ON "Alarm"("acknowledgedAt");

-- CreateIndex
CREATE INDEX "Alarm_raisedAt_idx" ON "Alarm"("raisedAt");

