/**
 * The README's configuration table, generated from the zod env schemas of every process so it
 * cannot drift from what the processes accept: `npm run docs:config` rewrites it, and
 * scripts/config-table.test.ts fails `npm test` when the README differs from what this makes.
 * A variable without a meaning (`documented()` in common/env-schema.ts) fails the same test.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import type { z } from "zod";
import { cliEnvSchema } from "../cli/env";
import { mediaEngineEnvSchema } from "../media-engine/env";
import { recorderEnvSchema } from "../recorder/env";
import { serverEnvSchema } from "../server/env";
import { launcherEnvSchema } from "./launcher-env";

/** In the order a reader meets them: `npm start` first, then what it starts, then the CLI. */
type Processes = readonly (readonly [string, z.ZodObject])[];
export const PROCESSES: Processes = [
  ["launcher", launcherEnvSchema],
  ["server", serverEnvSchema],
  ["media engine", mediaEngineEnvSchema],
  ["recorder", recorderEnvSchema],
  ["CLI", cliEnvSchema],
];

export const TABLE_BEGIN =
  "<!-- config-table:begin — generated from the env schemas by `npm run docs:config` -->";
export const TABLE_END = "<!-- config-table:end -->";

interface Row {
  variable: string;
  processes: string[];
  defaults: Map<string, string[]>;
  meaning?: string;
}

function shownDefault(schema: z.ZodType): string {
  const meta = schema.meta() as { shownDefault?: string } | undefined;
  if (meta?.shownDefault !== undefined) return meta.shownDefault;
  const parsed = schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return "—";
  return `\`${String(parsed.data)}\``;
}

export function configRows(processes: Processes = PROCESSES): Row[] {
  const rows = new Map<string, Row>();
  for (const [name, schema] of processes) {
    for (const [variable, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
      const row = rows.get(variable) ?? { variable, processes: [], defaults: new Map<string, string[]>() };
      rows.set(variable, row);
      row.processes.push(name);
      const fallback = shownDefault(field);
      row.defaults.set(fallback, [...(row.defaults.get(fallback) ?? []), name]);
      row.meaning ??= field.description;
    }
  }
  return [...rows.values()];
}

/** The Markdown table (before Prettier's column padding). */
export function configTable(processes: Processes = PROCESSES): string {
  const rows = configRows(processes);
  const undocumented = rows.filter((row) => row.meaning === undefined).map((row) => row.variable);
  if (undocumented.length > 0) {
    throw new Error(`no meaning given (documented() in its env module) for: ${undocumented.join(", ")}`);
  }
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const lines = ["| variable | read by | default | meaning |", "| --- | --- | --- | --- |"];
  for (const row of rows) {
    // Processes that disagree on a default are all shown: that is worth seeing, not hiding.
    const defaults =
      row.defaults.size === 1
        ? [...row.defaults.keys()][0]!
        : [...row.defaults].map(([value, names]) => `${value} (${names.join(", ")})`).join("; ");
    lines.push(
      `| \`${row.variable}\` | ${row.processes.join(", ")} | ${cell(defaults)} | ${cell(row.meaning!)} |`,
    );
  }
  return lines.join("\n");
}

/** The README with its table replaced by the generated one, formatted as `prettier --write` would. */
export async function readmeWithTable(readme: string, readmePath: string): Promise<string> {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`README has no ${TABLE_BEGIN} … ${TABLE_END} block`);
  const replaced = `${readme.slice(0, begin)}${TABLE_BEGIN}\n\n${configTable()}\n\n${readme.slice(end)}`;
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  return prettier.format(replaced, { ...options, filepath: readmePath });
}

export const README_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "README.md");

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const readme = fs.readFileSync(README_PATH, "utf8");
  fs.writeFileSync(README_PATH, await readmeWithTable(readme, README_PATH));
  process.stdout.write(`README.md: configuration table of ${configRows().length} variables written\n`);
}
