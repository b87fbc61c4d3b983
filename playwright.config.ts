import { defineConfig } from "@playwright/test";

// The e2e run starts the whole system with `npm start`'s launcher on its own ports and database.
// FORKLINE_E2E_PORT_OFFSET shifts every port (and the data folder) so two checkouts can run their
// e2e suites side by side on one machine; the default is the layout CI uses.
const offset = Number(process.env.FORKLINE_E2E_PORT_OFFSET ?? 0);
const dataDir = offset === 0 ? ".e2e-data" : `.e2e-data-${offset}`;
export const E2E = {
  httpPort: 3131 + offset,
  sipPort: 5361 + offset,
  mediaEngineSipPort: 5371 + offset,
  mediaEngineHttpPort: 5372 + offset,
  recorderSipPort: 5381 + offset,
  recorderHttpPort: 5382 + offset,
  /** Each run's RTP ranges: 1,000 engine and 500 recorder ports per offset step of 100. */
  rtpPortMin: 20000 + offset * 10,
  recorderRtpPortMin: 31000 + offset * 5,
  adminPassword: "e2e-admin-password",
  dataDir,
  databaseFile: `${dataDir}/forkline.db`,
  recordingsDir: `${dataDir}/recordings`,
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
    command: `rm -rf ${E2E.dataDir} && node --import tsx scripts/start.ts`,
    url: `http://127.0.0.1:${E2E.httpPort}/healthz`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: "pipe",
    env: {
      FORKLINE_AUTO_BUILD: "true",
      HTTP_PORT: String(E2E.httpPort),
      SIP_PORT: String(E2E.sipPort),
      MEDIA_ENGINE_SIP_PORT: String(E2E.mediaEngineSipPort),
      RECORDER_SIP_PORT: String(E2E.recorderSipPort),
      RECORDER_HTTP_PORT: String(E2E.recorderHttpPort),
      MEDIA_ENGINE_HTTP_PORT: String(E2E.mediaEngineHttpPort),
      ...(offset === 0
        ? {}
        : {
            RTP_PORT_MIN: String(E2E.rtpPortMin),
            RTP_PORT_MAX: String(E2E.rtpPortMin + 999),
            RECORDER_RTP_PORT_MIN: String(E2E.recorderRtpPortMin),
            RECORDER_RTP_PORT_MAX: String(E2E.recorderRtpPortMin + 499),
          }),
      DATABASE_URL: `file:./${E2E.databaseFile}`,
      RECORDINGS_DIR: E2E.recordingsDir,
      ADMIN_PASSWORD: E2E.adminPassword,
    },
  },
});
