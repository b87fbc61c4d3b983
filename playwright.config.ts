import { defineConfig } from "@playwright/test";

// The e2e run starts the whole system with `npm start`'s launcher on its own ports and database.
export const E2E = {
  httpPort: 3131,
  adminPassword: "e2e-admin-password",
  databaseFile: ".e2e-data/forkline.db",
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E.httpPort}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: "rm -rf .e2e-data && node --import tsx scripts/start.ts",
    url: `http://127.0.0.1:${E2E.httpPort}/healthz`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "pipe",
    env: {
      FORKLINE_AUTO_BUILD: "true",
      HTTP_PORT: String(E2E.httpPort),
      SIP_PORT: "5361",
      MEDIA_ENGINE_SIP_PORT: "5371",
      RECORDER_SIP_PORT: "5381",
      RECORDER_HTTP_PORT: "5382",
      MEDIA_ENGINE_HTTP_PORT: "5372",
      DATABASE_URL: `file:./${E2E.databaseFile}`,
      RECORDINGS_DIR: ".e2e-data/recordings",
      ADMIN_PASSWORD: E2E.adminPassword,
    },
  },
});
