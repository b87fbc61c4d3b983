-- The call view (issue 17 §2): one row per recorded call, kept by RecordingHistoryService, and an
-- index to read a call's sessions by ConnID. Existing sessions are summed up into their calls below.
-- CreateTable
CREATE TABLE "RecordedCall" (
    "connId" TEXT NOT NULL,
    "callId" TEXT NOT NULL DEFAULT '',
    "callerNumber" TEXT NOT NULL DEFAULT '',
    "callerDn" TEXT NOT NULL DEFAULT '',
    "calleeNumber" TEXT NOT NULL DEFAULT '',
    "calleeDn" TEXT NOT NULL DEFAULT '',
    "dns" TEXT NOT NULL DEFAULT ' ',
    "agentIds" TEXT NOT NULL DEFAULT ' ',
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "hasPause" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'live',
    "sessionCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "RecordedCall_pkey" PRIMARY KEY ("connId")
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
       COALESCE(' ' || string_agg(DISTINCT NULLIF(s."dn", ''), ' ') || ' ', ' '),
       COALESCE(' ' || string_agg(DISTINCT NULLIF(s."agentId", ''), ' ') || ' ', ' '),
       MIN(s."startedAt"),
       CASE WHEN bool_or(s."endedAt" IS NULL) THEN NULL ELSE MAX(s."endedAt") END,
       CASE WHEN bool_or(s."endedAt" IS NULL) THEN NULL
            ELSE CAST(ROUND(EXTRACT(EPOCH FROM (MAX(s."endedAt") - MIN(s."startedAt"))) * 1000) AS INTEGER) END,
       bool_or(EXISTS (SELECT 1 FROM "RecordingPause" p WHERE p."sessionId" = s."id")),
       CASE WHEN bool_or(s."state" IN ('starting', 'recording', 'paused', 'interrupted')) THEN 'live'
            WHEN bool_and(s."state" = 'failed' OR s."copyOf" <> '') THEN 'failed'
            WHEN bool_and(s."outcome" = 'complete' OR s."copyOf" <> '') THEN 'complete'
            ELSE 'incomplete' END,
       COUNT(*)
FROM "RecordingSession" s
GROUP BY s."connId";
