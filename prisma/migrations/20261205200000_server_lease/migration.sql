-- An HA pair of SIP Servers (issue 14 §4): the lease the active instance renews.
CREATE TABLE "ServerLease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "epoch" INTEGER NOT NULL,
    "expiresAt" DATETIME NOT NULL
);
