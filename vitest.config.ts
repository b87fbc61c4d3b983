import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{common,protocol,sip-core,server,media-engine,recorder,cli,scripts}/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests spawn real processes on fixed loopback ports: files run one at a time.
    fileParallelism: false,
  },
});
