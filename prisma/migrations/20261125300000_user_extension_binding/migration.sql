-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "extension" TEXT,
    "agentLoginCode" TEXT,
    CONSTRAINT "User_extension_fkey" FOREIGN KEY ("extension") REFERENCES "Dn" ("number") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "User_agentLoginCode_fkey" FOREIGN KEY ("agentLoginCode") REFERENCES "AgentLogin" ("loginCode") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_User" ("createdAt", "id", "passwordHash", "role", "updatedAt", "username") SELECT "createdAt", "id", "passwordHash", "role", "updatedAt", "username" FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");
CREATE UNIQUE INDEX "User_extension_key" ON "User"("extension");
CREATE UNIQUE INDEX "User_agentLoginCode_key" ON "User"("agentLoginCode");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

