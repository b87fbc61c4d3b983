-- Agents' desk (issue 17 §9): Ready / Not Ready kept with the agent session, and the short-lived
-- SIP credentials of password-less softphones (H(A1) digests only).
-- AlterTable
ALTER TABLE "AgentSession" ADD COLUMN "state" TEXT NOT NULL DEFAULT 'not_ready';
ALTER TABLE "AgentSession" ADD COLUMN "reasonCode" TEXT NOT NULL DEFAULT '';
ALTER TABLE "AgentSession" ADD COLUMN "stateSince" DATETIME;

-- CreateTable
CREATE TABLE "SoftphoneCredential" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "dn" TEXT NOT NULL,
    "ha1Md5" TEXT NOT NULL,
    "ha1Sha256" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "SoftphoneCredential_dn_expiresAt_idx" ON "SoftphoneCredential"("dn", "expiresAt");

-- CreateIndex
CREATE INDEX "SoftphoneCredential_userId_idx" ON "SoftphoneCredential"("userId");
