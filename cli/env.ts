import path from "node:path";
import { z } from "zod";
import { localDataDir } from "../common/database-url";
import { documented, type EnvSource, parseEnv, zDatabaseUrl, zDataDir, zPort } from "../common/env-schema";

export const cliEnvSchema = z.object({
  FORKLINE_URL: documented(
    z.url({ error: "must be a URL such as http://127.0.0.1:3000" }).optional(),
    "CLI: the Forkline server to talk to",
    "`http://127.0.0.1:<HTTP_PORT>`",
  ),
  FORKLINE_API_TOKEN: documented(
    z.string().min(10, "looks too short to be a Forkline API token").optional(),
    "CLI: API token (Users & tokens)",
    "the token file in `DATA_DIR`",
  ),
  HTTP_PORT: zPort(3000),
  DATABASE_URL: zDatabaseUrl,
  DATA_DIR: zDataDir,
});

export type CliEnv = { url: string; token: string | undefined; tokenFile: string };

export function loadCliEnv(source: EnvSource): CliEnv {
  const env = parseEnv(cliEnvSchema, source);
  return {
    url: (env.FORKLINE_URL ?? `http://127.0.0.1:${env.HTTP_PORT}`).replace(/\/$/, ""),
    token: env.FORKLINE_API_TOKEN,
    tokenFile: path.join(localDataDir(env.DATABASE_URL, env.DATA_DIR), "forkline.api-token"),
  };
}
