import { describe, expect, it } from "vitest";
import { loadLauncherEnv } from "./launcher-env";

describe("the launcher's media engine secret", () => {
  it("draws one per run for a server and engines launched together, the same for all of them", () => {
    const env = loadLauncherEnv({ MEDIA_ENGINE_WORKERS: "2" });
    const secret = env.childEnvironment.MEDIA_ENGINE_SECRET;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(env.mediaEngineEnvironments.map((e) => e.MEDIA_ENGINE_SECRET)).toEqual([secret, secret]);
    expect(loadLauncherEnv({}).childEnvironment.MEDIA_ENGINE_SECRET).not.toBe(secret);
  });

  it("keeps the admin's secret, and draws none for a host that runs only engines or only the server", () => {
    expect(
      loadLauncherEnv({ MEDIA_ENGINE_SECRET: "set-by-the-admin-123" }).childEnvironment.MEDIA_ENGINE_SECRET,
    ).toBe("set-by-the-admin-123");
    for (const services of ["media-engine", "server,recorder"])
      expect(
        loadLauncherEnv({ FORKLINE_SERVICES: services }).childEnvironment.MEDIA_ENGINE_SECRET,
      ).toBeUndefined();
  });
});
