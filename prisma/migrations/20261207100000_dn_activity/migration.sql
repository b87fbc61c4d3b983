-- The softphone's activity list kept server-side (issue 17 §9): the T-Library events of each DN an
-- agent reads, newest 200 within 24 h per DN (pruned on write), so a reload or restart keeps them.
-- CreateTable
CREATE TABLE "DnActivity" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "dn" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "otherDn" TEXT,
    "connId" TEXT,
    "agentId" TEXT,
    "userData" TEXT NOT NULL,
    "error" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "DnActivity_eventId_key" ON "DnActivity"("eventId");

-- CreateIndex
CREATE INDEX "DnActivity_dn_id_idx" ON "DnActivity"("dn", "id");

-- CreateIndex
CREATE INDEX "DnActivity_at_idx" ON "DnActivity"("at");

