-- Established calls survive a SIP Server restart (issue 14 §2).
-- CreateTable
CREATE TABLE "ActiveCall" (
    "connId" TEXT NOT NULL,
    "snapshot" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ActiveCall_pkey" PRIMARY KEY ("connId")
);

-- AlterTable
ALTER TABLE "RecordingSession" ADD COLUMN "engineDialogId" TEXT NOT NULL DEFAULT '';
