-- Safe administration and a real audit log (issue 17 §4, §6).
-- API tokens: an expiry (NULL: never, the local CLI's token) and a scope (read-only | full).
ALTER TABLE "ApiToken" ADD COLUMN "expiresAt" DATETIME;
ALTER TABLE "ApiToken" ADD COLUMN "scope" TEXT NOT NULL DEFAULT 'full';

-- Audit events keep names resolved when written, so a deleted object keeps its name.
ALTER TABLE "AuditEvent" ADD COLUMN "actorName" TEXT;
ALTER TABLE "AuditEvent" ADD COLUMN "actorUsername" TEXT;
ALTER TABLE "AuditEvent" ADD COLUMN "entityName" TEXT;

-- Rows written before: the username from the actor label, the object's name from its key or snapshot.
UPDATE "AuditEvent" SET "actorUsername" = replace("actor", ' (API token)', '');
UPDATE "AuditEvent" SET "entityName" = "entityId" WHERE "entity" IN ('Dn', 'AgentLogin', 'Recorder', 'Setting');
UPDATE "AuditEvent" SET "entityName" = coalesce(
    (SELECT "username" FROM "User" WHERE "User"."id" = "AuditEvent"."entityId"),
    json_extract(coalesce("after", "before"), '$.username'))
  WHERE "entity" = 'User';
UPDATE "AuditEvent" SET "entityName" = json_extract(coalesce("after", "before"), '$.name')
  WHERE "entity" = 'ApiToken';

-- CreateIndex
CREATE INDEX "AuditEvent_actorUsername_at_idx" ON "AuditEvent"("actorUsername", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_entity_at_idx" ON "AuditEvent"("entity", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_entityName_at_idx" ON "AuditEvent"("entityName", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_entityId_at_idx" ON "AuditEvent"("entityId", "at");
