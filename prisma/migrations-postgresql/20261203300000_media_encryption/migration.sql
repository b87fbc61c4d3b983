-- SRTP per party and per recorder (issue 15 §2): off | optional | required.
ALTER TABLE "Dn" ADD COLUMN "mediaEncryption" TEXT NOT NULL DEFAULT 'optional';
ALTER TABLE "Recorder" ADD COLUMN "mediaEncryption" TEXT NOT NULL DEFAULT 'off';
