-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RecordingSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "callId" TEXT NOT NULL,
    "connId" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL DEFAULT '',
    "dn" TEXT NOT NULL DEFAULT '',
    "agentId" TEXT NOT NULL DEFAULT '',
    "recorderUri" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" DATETIME
);
INSERT INTO "new_RecordingSession" ("callId", "connId", "endedAt", "id", "params", "recorderUri", "requestedBy", "side", "startedAt", "state", "trigger") SELECT "callId", "connId", "endedAt", "id", "params", "recorderUri", "requestedBy", "side", "startedAt", "state", "trigger" FROM "RecordingSession";
DROP TABLE "RecordingSession";
ALTER TABLE "new_RecordingSession" RENAME TO "RecordingSession";
CREATE INDEX "RecordingSession_callId_idx" ON "RecordingSession"("callId");
CREATE INDEX "RecordingSession_startedAt_idx" ON "RecordingSession"("startedAt");
CREATE INDEX "RecordingSession_dn_idx" ON "RecordingSession"("dn");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

