import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { documented, zPort } from "../common/env-schema";
import { configTable, README_PATH, readmeWithTable } from "./config-table";

describe("README configuration table", () => {
  it("is what the env schemas of every process say (run `npm run docs:config` after changing one)", async () => {
    const readme = fs.readFileSync(README_PATH, "utf8");
    expect(await readmeWithTable(readme, README_PATH)).toBe(readme);
  });

  it("refuses a variable nobody explained, and shows processes that disagree on a default", () => {
    expect(() => configTable([["server", z.object({ NEW_PORT: zPort(1234) })]])).toThrow(
      /no meaning given .* for: NEW_PORT/,
    );
    const table = configTable([
      ["server", z.object({ SHARED_PORT: documented(zPort(1), "a port") })],
      ["recorder", z.object({ SHARED_PORT: zPort(2) })],
    ]);
    expect(table).toContain("| `SHARED_PORT` | server, recorder | `1` (server); `2` (recorder) | a port |");
  });
});
