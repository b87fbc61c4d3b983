-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Dn" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "displayName" TEXT NOT NULL DEFAULT '',
    "record" BOOLEAN NOT NULL DEFAULT false,
    "sipHa1Md5" TEXT,
    "sipHa1Sha256" TEXT,
    "peerHost" TEXT,
    "peerPort" INTEGER,
    "inboundNumbers" TEXT NOT NULL DEFAULT '',
    "outboundPrefix" TEXT,
    "routeTarget" TEXT,
    "routeRecord" TEXT NOT NULL DEFAULT 'none',
    "routeParams" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AgentLogin" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "loginCode" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "record" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Recorder" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "RecordingSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "callId" TEXT NOT NULL,
    "connId" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL DEFAULT '',
    "recorderUri" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" DATETIME
);

-- CreateTable
CREATE TABLE "RecordingTransition" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "fromState" TEXT NOT NULL,
    "toState" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "by" TEXT NOT NULL DEFAULT '',
    "reason" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "RecordingTransition_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "RecordingSession" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RecordingPause" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "pausedAt" DATETIME NOT NULL,
    "resumedAt" DATETIME,
    "pausedBy" TEXT NOT NULL DEFAULT '',
    "resumedBy" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "RecordingPause_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "RecordingSession" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Dn_number_key" ON "Dn"("number");

-- CreateIndex
CREATE INDEX "Dn_type_idx" ON "Dn"("type");

-- CreateIndex
CREATE UNIQUE INDEX "AgentLogin_loginCode_key" ON "AgentLogin"("loginCode");

-- CreateIndex
CREATE UNIQUE INDEX "Recorder_name_key" ON "Recorder"("name");

-- CreateIndex
CREATE INDEX "RecordingSession_callId_idx" ON "RecordingSession"("callId");

-- CreateIndex
CREATE INDEX "RecordingSession_startedAt_idx" ON "RecordingSession"("startedAt");

-- CreateIndex
CREATE INDEX "RecordingTransition_sessionId_idx" ON "RecordingTransition"("sessionId");

-- CreateIndex
CREATE INDEX "RecordingPause_sessionId_idx" ON "RecordingPause"("sessionId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

