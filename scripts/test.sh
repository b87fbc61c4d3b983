#!/usr/bin/env bash
# `npm test`: every check and every test, in the order that fails fastest.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n== %s\n' "$*"; }
fail() { echo "npm test: $* failed" >&2; exit 1; }

step "system packages"
bash scripts/ensure-system-deps.sh || fail "system packages"

step "Prisma client and migrations"
[ -f generated/prisma/index.js ] && [ -f generated/prisma-postgresql/index.js ] || node scripts/prisma-generate.mjs || fail "prisma generate"

step "typecheck (tsc)"
npx tsc --noEmit -p tsconfig.json || fail "typecheck"

step "lint (eslint, prettier)"
npx eslint . || fail "eslint"
npx prettier --check . >/dev/null || { npx prettier --check . ; fail "prettier"; }

step "unit and integration tests (vitest)"
mkdir -p test-results
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
vitest_rc=$?

step "web UI build (next build)"
npx next build >test-results/next-build.log 2>&1 || { tail -40 test-results/next-build.log; fail "next build"; }

step "end-to-end tests (Playwright, Debian Chromium)"
npx playwright test
playwright_rc=$?

node scripts/test-summary.mjs test-results/vitest.json test-results/playwright.json
[ $vitest_rc -eq 0 ] || fail "vitest"
[ $playwright_rc -eq 0 ] || fail "playwright"
