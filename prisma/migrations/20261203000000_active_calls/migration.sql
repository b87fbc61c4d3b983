-- Established calls survive a SIP Server restart (issue 14 §2).
CREATE TABLE "ActiveCall" (
    "connId" TEXT NOT NULL PRIMARY KEY,
    "snapshot" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

ALTER TABLE "RecordingSession" ADD COLUMN "engineDialogId" TEXT NOT NULL DEFAULT '';
