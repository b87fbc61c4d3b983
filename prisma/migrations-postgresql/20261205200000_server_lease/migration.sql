-- An HA pair of SIP Servers (issue 14 §4): the lease the active instance renews.
CREATE TABLE "ServerLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServerLease_pkey" PRIMARY KEY ("name")
);
