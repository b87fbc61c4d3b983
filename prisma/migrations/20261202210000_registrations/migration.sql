-- SIP registration bindings, kept across a restart of the SIP Server (new table only).

-- CreateTable
CREATE TABLE "Registration" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "aor" TEXT NOT NULL,
    "contact" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "callId" TEXT NOT NULL,
    "cseq" INTEGER NOT NULL,
    "transport" TEXT NOT NULL,
    "sourceHost" TEXT NOT NULL,
    "sourcePort" INTEGER NOT NULL,
    "connectionId" TEXT,
    "instanceId" TEXT,
    "regId" INTEGER,
    "q" REAL,
    "userAgent" TEXT
);

-- CreateIndex
CREATE INDEX "Registration_aor_idx" ON "Registration"("aor");

