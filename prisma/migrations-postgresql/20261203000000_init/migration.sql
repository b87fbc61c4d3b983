-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "extension" TEXT,
    "agentLoginCode" TEXT,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dn" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "displayName" TEXT NOT NULL DEFAULT '',
    "record" BOOLEAN NOT NULL DEFAULT false,
    "sipHa1Md5" TEXT,
    "sipHa1Sha256" TEXT,
    "peerHost" TEXT,
    "peerPort" INTEGER,
    "peerPortMatch" BOOLEAN NOT NULL DEFAULT true,
    "inboundNumbers" TEXT NOT NULL DEFAULT '',
    "outboundPrefix" TEXT,
    "routeTarget" TEXT,
    "routeRecord" TEXT NOT NULL DEFAULT 'none',
    "routeParams" TEXT NOT NULL DEFAULT '{}',
    "dtmfMasking" TEXT NOT NULL DEFAULT 'events+inband',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Dn_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentLogin" (
    "id" TEXT NOT NULL,
    "loginCode" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "record" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AgentLogin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Registration" (
    "id" TEXT NOT NULL,
    "aor" TEXT NOT NULL,
    "contact" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "callId" TEXT NOT NULL,
    "cseq" INTEGER NOT NULL,
    "transport" TEXT NOT NULL,
    "sourceHost" TEXT NOT NULL,
    "sourcePort" INTEGER NOT NULL,
    "connectionId" TEXT,
    "instanceId" TEXT,
    "regId" INTEGER,
    "q" DOUBLE PRECISION,
    "userAgent" TEXT,

    CONSTRAINT "Registration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentSession" (
    "agentId" TEXT NOT NULL,
    "dn" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentSession_pkey" PRIMARY KEY ("agentId")
);

-- CreateTable
CREATE TABLE "Recorder" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Recorder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "RecordingSession" (
    "id" TEXT NOT NULL,
    "callId" TEXT NOT NULL,
    "connId" TEXT NOT NULL,
    "side" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL DEFAULT '',
    "dn" TEXT NOT NULL DEFAULT '',
    "agentId" TEXT NOT NULL DEFAULT '',
    "recorderUri" TEXT NOT NULL DEFAULT '',
    "state" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),
    "packetsSent" INTEGER NOT NULL DEFAULT 0,
    "packetsAcked" INTEGER NOT NULL DEFAULT 0,
    "segments" INTEGER NOT NULL DEFAULT 0,
    "outcome" TEXT NOT NULL DEFAULT '',
    "outcomeReason" TEXT NOT NULL DEFAULT '',
    "copyOf" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "RecordingSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RecordingTransition" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "fromState" TEXT NOT NULL,
    "toState" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "by" TEXT NOT NULL DEFAULT '',
    "reason" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "RecordingTransition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RecordingPause" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "pausedAt" TIMESTAMP(3) NOT NULL,
    "resumedAt" TIMESTAMP(3),
    "pausedBy" TEXT NOT NULL DEFAULT '',
    "resumedBy" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "RecordingPause_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RecordingGap" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "recorderUri" TEXT NOT NULL DEFAULT '',
    "reason" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "RecordingGap_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Alarm" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "message" TEXT NOT NULL,
    "connId" TEXT,
    "recordingId" TEXT,
    "count" INTEGER NOT NULL DEFAULT 1,
    "raisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastRaisedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedBy" TEXT,

    CONSTRAINT "Alarm_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "User_extension_key" ON "User"("extension");

-- CreateIndex
CREATE UNIQUE INDEX "User_agentLoginCode_key" ON "User"("agentLoginCode");

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
CREATE INDEX "Registration_aor_idx" ON "Registration"("aor");

-- CreateIndex
CREATE UNIQUE INDEX "AgentSession_dn_key" ON "AgentSession"("dn");

-- CreateIndex
CREATE UNIQUE INDEX "Recorder_name_key" ON "Recorder"("name");

-- CreateIndex
CREATE INDEX "RecordingSession_callId_idx" ON "RecordingSession"("callId");

-- CreateIndex
CREATE INDEX "RecordingSession_startedAt_idx" ON "RecordingSession"("startedAt");

-- CreateIndex
CREATE INDEX "RecordingSession_dn_idx" ON "RecordingSession"("dn");

-- CreateIndex
CREATE INDEX "RecordingTransition_sessionId_idx" ON "RecordingTransition"("sessionId");

-- CreateIndex
CREATE INDEX "RecordingPause_sessionId_idx" ON "RecordingPause"("sessionId");

-- CreateIndex
CREATE INDEX "RecordingGap_sessionId_idx" ON "RecordingGap"("sessionId");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE INDEX "Alarm_acknowledgedAt_idx" ON "Alarm"("acknowledgedAt");

-- CreateIndex
CREATE INDEX "Alarm_raisedAt_idx" ON "Alarm"("raisedAt");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_extension_fkey" FOREIGN KEY ("extension") REFERENCES "Dn"("number") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_agentLoginCode_fkey" FOREIGN KEY ("agentLoginCode") REFERENCES "AgentLogin"("loginCode") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingTransition" ADD CONSTRAINT "RecordingTransition_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "RecordingSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingPause" ADD CONSTRAINT "RecordingPause_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "RecordingSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecordingGap" ADD CONSTRAINT "RecordingGap_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "RecordingSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

