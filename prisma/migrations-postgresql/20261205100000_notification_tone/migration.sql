-- Recording notification tone per DN and trunk (issue 15 §7): off | start | repeat, every N s, to both | customer | agent.
ALTER TABLE "Dn" ADD COLUMN "recordingTone" TEXT NOT NULL DEFAULT 'off';
ALTER TABLE "Dn" ADD COLUMN "recordingToneEverySeconds" INTEGER NOT NULL DEFAULT 15;
ALTER TABLE "Dn" ADD COLUMN "recordingToneParties" TEXT NOT NULL DEFAULT 'both';
