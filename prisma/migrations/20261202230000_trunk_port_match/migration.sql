-- A trunk is matched by its peer's address and port (issue 15 §4); false: by address alone.
ALTER TABLE "Dn" ADD COLUMN "peerPortMatch" BOOLEAN NOT NULL DEFAULT true;
