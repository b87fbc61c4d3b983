-- What of a party's key presses is kept out of recordings (issue 15 §5): off | events | events+inband.
ALTER TABLE "Dn" ADD COLUMN "dtmfMasking" TEXT NOT NULL DEFAULT 'events+inband';
