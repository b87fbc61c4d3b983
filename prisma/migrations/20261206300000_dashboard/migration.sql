-- The dashboard counts the calls of today that started yesterday: found by their end.
CREATE INDEX "RecordedCall_endedAt_idx" ON "RecordedCall"("endedAt");
