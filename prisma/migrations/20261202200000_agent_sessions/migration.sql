-- Agents logged in on extensions, kept across a restart of the SIP Server (new table only).

-- CreateTable
CREATE TABLE "AgentSession" (
    "agentId" TEXT NOT NULL PRIMARY KEY,
    "dn" TEXT NOT NULL,
    "since" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "AgentSession_dn_key" ON "AgentSession"("dn");

