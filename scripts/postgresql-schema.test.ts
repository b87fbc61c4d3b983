import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresqlSchemaFrom, postgresqlSchemaPath, sqliteSchemaPath } from "./postgresql-schema.mjs";

describe("prisma/postgresql/schema.prisma", () => {
  it("is prisma/schema.prisma with the PostgreSQL provider and client folder (run `node scripts/prisma-generate.mjs` after a schema change)", () => {
    const derived = postgresqlSchemaFrom(fs.readFileSync(sqliteSchemaPath, "utf8"));
    expect(fs.readFileSync(postgresqlSchemaPath, "utf8")).toBe(derived);
    expect(derived).toMatch(/^\s*provider\s*=\s*"postgresql"$/m);
    expect(derived).toMatch(/^\s*output\s*=\s*"\.\.\/\.\.\/generated\/prisma-postgresql"$/m);
    expect(derived).not.toContain('"sqlite"');
  });

  it("refuses a schema it does not know how to derive, rather than writing a wrong one", () => {
    expect(() => postgresqlSchemaFrom('datasource db {\n  provider = "mysql"\n}\n')).toThrow(
      /expected to find/,
    );
  });
});
