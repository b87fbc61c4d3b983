#!/usr/bin/env node
// Prints the closing lines of `npm test`: each failed test with the first line of its error, then
// "N passed, N failed[, N skipped]".
import fs from "node:fs";
import path from "node:path";

// Colour codes (ESC [ … m) stripped, so the line reads in a CI log.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const firstLine = (text) =>
  (text ?? "")
    .replace(ansi, "")
    .split("\n")
    .find((l) => l.trim() !== "")
    ?.trim()
    .slice(0, 300) ?? "";

const [vitestFile, playwrightFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

const read = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
};

const vitest = read(vitestFile);
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  failed +=
    (vitest.numFailedTests ?? 0) +
    (vitest.numRuntimeErrorTestSuites ?? 0) +
    (vitest.numFailedTestSuites && !vitest.numFailedTests ? vitest.numFailedTestSuites : 0);
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
} else {
  failed += 1;
  console.error(`no vitest results in ${vitestFile}`);
}

const playwright = read(playwrightFile);
if (playwright?.stats) {
  passed += playwright.stats.expected ?? 0;
  failed += (playwright.stats.unexpected ?? 0) + (playwright.stats.flaky ?? 0);
  skipped += playwright.stats.skipped ?? 0;
} else {
  failed += 1;
  console.error(`no Playwright results in ${playwrightFile}`);
}

// CI shows only the end of the output: name every failure here, with its first line of error.
const failures = [];
for (const file of vitest?.testResults ?? []) {
  const where = path.relative(process.cwd(), file.name ?? "");
  const failedTests = (file.assertionResults ?? []).filter((t) => t.status === "failed");
  for (const t of failedTests)
    failures.push(`vitest ${where} › ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
  if (file.status === "failed" && failedTests.length === 0)
    failures.push(`vitest ${where}: ${firstLine(file.message)}`);
}
const walk = (suite, titles) => {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) {
      if (test.status === "expected" || test.status === "skipped") continue;
      const last = test.results?.at(-1);
      failures.push(
        `playwright ${spec.file}:${spec.line} › ${[...titles, spec.title].join(" › ")} (${test.status}): ${firstLine(last?.error?.message)}`,
      );
    }
  }
  for (const child of suite.suites ?? [])
    walk(child, suite.title && !suite.title.endsWith(".ts") ? [...titles, suite.title] : titles);
};
for (const suite of playwright?.suites ?? []) walk(suite, []);
if (failures.length > 0) {
  console.log("\nFailed:");
  for (const line of failures) console.log(`  ${line}`);
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
