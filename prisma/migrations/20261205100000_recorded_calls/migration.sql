-- The call view (issue 17 §2): one row per recorded call, kept by RecordingHistoryService, and an
-- index to read a call's sessions by ConnID. Existing sessions are summed up into their calls below.
-- CreateTable
CREATE TABLE "RecordedCall" (
    "connId" TEXT NOT NULL PRIMARY KEY,
    "callId" TEXT NOT NULL DEFAULT '',
    "callerNumber" TEXT NOT NULL DEFAULT '',
    "callerDn" TEXT NOT NULL DEFAULT '',
    "calleeNumber" TEXT NOT NULL DEFAULT '',
    "calleeDn" TEXT NOT NULL DEFAULT '',
    "dns" TEXT NOT NULL DEFAULT ' ',
    "agentIds" TEXT NOT NULL DEFAULT ' ',
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "durationMs" INTEGER,
    "hasPause" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'live',
    "sessionCount" INTEGER NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE INDEX "RecordedCall_startedAt_connId_idx" ON "RecordedCall"("startedAt", "connId");

-- CreateIndex
CREATE INDEX "RecordedCall_state_startedAt_idx" ON "RecordedCall"("state", "startedAt");

-- CreateIndex
CREATE INDEX "RecordedCall_hasPause_startedAt_idx" ON "RecordedCall"("hasPause", "startedAt");

-- CreateIndex
CREATE INDEX "RecordingSession_connId_startedAt_idx" ON "RecordingSession"("connId", "startedAt");


-- Backfill: the calls of the sessions recorded before this migration. Their parties were not kept
-- (""). The state counts primary recordings only (a parallel copy does not make up for its
-- primary here, as it does for calls recorded from now on).
INSERT INTO "RecordedCall" ("connId", "callId", "dns", "agentIds", "startedAt", "endedAt", "durationMs", "hasPause", "state", "sessionCount")
SELECT s."connId",
       MIN(s."callId"),
       COALESCE(' ' || REPLACE(group_concat(DISTINCT NULLIF(s."dn", '')), ',', ' ') || ' ', ' '),
       COALESCE(' ' || REPLACE(group_concat(DISTINCT NULLIF(s."agentId", '')), ',', ' ') || ' ', ' '),
       MIN(s."startedAt"),
       CASE WHEN SUM(s."endedAt" IS NULL) > 0 THEN NULL ELSE MAX(s."endedAt") END,
       CASE WHEN SUM(s."endedAt" IS NULL) > 0 THEN NULL
            ELSE CAST(ROUND((julianday(MAX(s."endedAt")) - julianday(MIN(s."startedAt"))) * 86400000) AS INTEGER) END,
       MAX(EXISTS (SELECT 1 FROM "RecordingPause" p WHERE p."sessionId" = s."id")),
       CASE WHEN SUM(s."state" IN ('starting', 'recording', 'paused', 'interrupted')) > 0 THEN 'live'
            WHEN MIN(s."state" = 'failed' OR s."copyOf" <> '') = 1 THEN 'failed'
            WHEN MIN(s."outcome" = 'complete' OR s."copyOf" <> '') = 1 THEN 'complete'
            ELSE 'incomplete' END,
       COUNT(*)
FROM "RecordingSession" s
GROUP BY s."connId";
