-- The softphone's activity list kept server-side (issue 17 §9): the T-Library events of each DN an
-- agent reads, newest 200 within 24 h per DN (pruned on write), so a reload or restart keeps them.
-- CreateTable
CREATE TABLE "DnActivity" (
    "id" SERIAL NOT NULL,
    "dn" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "otherDn" TEXT,
    "connId" TEXT,
    "agentId" TEXT,
    "userData" TEXT NOT NULL,
    "error" TEXT,

    CONSTRAINT "DnActivity_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DnActivity_eventId_key" ON "DnActivity"("eventId");

-- CreateIndex
CREATE INDEX "DnActivity_dn_id_idx" ON "DnActivity"("dn", "id");

-- CreateIndex
CREATE INDEX "DnActivity_at_idx" ON "DnActivity"("at");

