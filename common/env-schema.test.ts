import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCliEnv } from "../cli/env";
import { loadMediaEngineEnv } from "../media-engine/env";
import { loadRecorderEnv } from "../recorder/env";
import { loadServerEnv } from "../server/env";
import { loadLauncherEnv } from "../scripts/launcher-env";
import { EnvError } from "./env-schema";

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error("expected an EnvError");
}

describe("server env", () => {
  it("has laptop defaults on 127.0.0.1", () => {
    const env = loadServerEnv({});
    expect(env.HTTP_PORT).toBe(3000);
    expect(env.SIP_PORT).toBe(5060);
    expect(env.MEDIA_ENGINE_SIP_PORT).toBe(5070);
    expect(env.RECORDER_SIP_PORT).toBe(5080);
    expect(env.HTTP_HOST).toBe("127.0.0.1");
    expect(env.DATABASE_URL).toBe("file:./data/forkline.db");
    expect(env.RECORDINGS_DIR).toBe("./recordings");
    expect(env.mediaEngineUris).toEqual(["sip:127.0.0.1:5070"]);
  });

  it("treats empty strings as unset", () => {
    expect(loadServerEnv({ HTTP_PORT: "" }).HTTP_PORT).toBe(3000);
  });

  it("names the variable of a bad port", () => {
    expect(problemsOf(() => loadServerEnv({ HTTP_PORT: "http" }))).toEqual([
      { variable: "HTTP_PORT", message: "must be a number" },
    ]);
    expect(problemsOf(() => loadServerEnv({ SIP_PORT: "70000" }))[0]?.variable).toBe("SIP_PORT");
  });

  it("reports every bad variable at once", () => {
    const problems = problemsOf(() =>
      loadServerEnv({ HTTP_PORT: "x", HTTP_HOST: "localhost!", DATABASE_URL: "mysql://x" }),
    );
    expect(problems.map((p) => p.variable).sort()).toEqual(["DATABASE_URL", "HTTP_HOST", "HTTP_PORT"]);
  });

  it("takes a SQLite or a PostgreSQL DATABASE_URL and refuses any other", () => {
    expect(loadServerEnv({ DATABASE_URL: "file:/srv/forkline/db.sqlite" }).DATABASE_URL).toBe(
      "file:/srv/forkline/db.sqlite",
    );
    for (const url of [
      "postgresql://forkline:secret@db.example:5432/forkline",
      "postgres://localhost/forkline",
    ]) {
      expect(loadServerEnv({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
    for (const url of ["mysql://x", "postgresql:forkline", "./data/forkline.db"]) {
      expect(problemsOf(() => loadServerEnv({ DATABASE_URL: url }))).toEqual([
        {
          variable: "DATABASE_URL",
          message: expect.stringContaining("or a PostgreSQL URL such as postgresql://") as string,
        },
      ]);
    }
  });

  it("wants TLS_CERT and TLS_KEY together", () => {
    expect(problemsOf(() => loadServerEnv({ TLS_CERT: "/tmp/cert.pem" }))[0]).toEqual({
      variable: "TLS_CERT",
      message: "TLS_CERT and TLS_KEY must be set together",
    });
  });

  it("parses a media engine list", () => {
    expect(
      loadServerEnv({ MEDIA_ENGINE_URI: "sip:127.0.0.1:5070, sip:127.0.0.1:5072" }).mediaEngineUris,
    ).toEqual(["sip:127.0.0.1:5070", "sip:127.0.0.1:5072"]);
    expect(problemsOf(() => loadServerEnv({ MEDIA_ENGINE_URI: "http://x" }))[0]?.variable).toBe(
      "MEDIA_ENGINE_URI",
    );
  });

  it("refuses a short initial admin password", () => {
    expect(problemsOf(() => loadServerEnv({ ADMIN_PASSWORD: "short" }))[0]?.variable).toBe("ADMIN_PASSWORD");
  });
});

describe("other processes' env", () => {
  it("media engine: RTP range defaults and order", () => {
    expect(loadMediaEngineEnv({})).toMatchObject({
      RTP_PORT_MIN: 20000,
      RTP_PORT_MAX: 29999,
      MEDIA_ENGINE_SIP_PORT: 5070,
    });
    expect(
      problemsOf(() => loadMediaEngineEnv({ RTP_PORT_MIN: "30000", RTP_PORT_MAX: "20000" }))[0]?.variable,
    ).toBe("RTP_PORT_MIN");
  });

  it("recorder: defaults", () => {
    expect(loadRecorderEnv({})).toMatchObject({ RECORDER_SIP_PORT: 5080, RECORDINGS_DIR: "./recordings" });
    expect(problemsOf(() => loadRecorderEnv({ RECORDER_SIP_PORT: "-1" }))[0]?.variable).toBe(
      "RECORDER_SIP_PORT",
    );
  });

  it("cli: URL from HTTP_PORT, token file next to the database", () => {
    const env = loadCliEnv({ HTTP_PORT: "3100", DATABASE_URL: "file:/srv/forkline/db.sqlite" });
    expect(env.url).toBe("http://127.0.0.1:3100");
    expect(env.tokenFile).toBe("/srv/forkline/forkline.api-token");
    expect(problemsOf(() => loadCliEnv({ FORKLINE_URL: "not a url" }))[0]?.variable).toBe("FORKLINE_URL");
  });

  it("cli: with PostgreSQL the token file is in ./data, where the server writes it", () => {
    const env = loadCliEnv({ DATABASE_URL: "postgresql://localhost/forkline" });
    expect(env.tokenFile).toBe(path.resolve("data", "forkline.api-token"));
    expect(loadCliEnv({ DATABASE_URL: "postgres://db/forkline", DATA_DIR: "/srv/forkline" }).tokenFile).toBe(
      "/srv/forkline/forkline.api-token",
    );
  });

  it("launcher: passes the environment through and validates its own", () => {
    const env = loadLauncherEnv({ HTTP_PORT: "3100" });
    expect(env.childEnvironment.HTTP_PORT).toBe("3100");
    expect(env.childEnvironment.NODE_ENV).toBe("production");
    expect(problemsOf(() => loadLauncherEnv({ FORKLINE_READY_TIMEOUT_MS: "soon" }))[0]?.variable).toBe(
      "FORKLINE_READY_TIMEOUT_MS",
    );
  });

  it("launcher: FORKLINE_SERVICES names what this host runs (all three by default)", () => {
    expect(loadLauncherEnv({}).FORKLINE_SERVICES).toEqual(["server", "recorder", "media-engine"]);
    expect(loadLauncherEnv({ FORKLINE_SERVICES: " media-engine ," }).FORKLINE_SERVICES).toEqual([
      "media-engine",
    ]);
    expect(loadLauncherEnv({ FORKLINE_SERVICES: "server,recorder,server" }).FORKLINE_SERVICES).toEqual([
      "server",
      "recorder",
    ]);
    const [problem] = problemsOf(() => loadLauncherEnv({ FORKLINE_SERVICES: "server,mixer" }));
    expect(problem).toMatchObject({ variable: "FORKLINE_SERVICES" });
    expect(problem!.message).toMatch(
      /unknown service mixer; give one or more of server, recorder, media-engine/,
    );
    expect(problemsOf(() => loadLauncherEnv({ FORKLINE_SERVICES: "," }))[0]?.variable).toBe(
      "FORKLINE_SERVICES",
    );
  });
});
