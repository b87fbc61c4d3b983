import fs from "node:fs";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../server/trpc/root";
import type { EnvSource } from "../common/env-schema";
import { loadCliEnv } from "./env";

/** A mistake in what the user typed: exit 2, like commander's own usage errors. */
export class UsageError extends Error {}

/** A tRPC client of the server the environment names, with its API token. */
export function connectWith(source: EnvSource) {
  const env = loadCliEnv(source);
  let token = env.token;
  if (!token) {
    try {
      token = fs.readFileSync(env.tokenFile, "utf8").trim();
    } catch {
      throw new UsageError(
        `no API token: set FORKLINE_API_TOKEN or start Forkline once on this machine (it writes ${env.tokenFile})`,
      );
    }
  }
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${env.url}/api/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${token}` },
      }),
    ],
  });
  return { client, url: env.url };
}

export type ForklineClient = ReturnType<typeof connectWith>["client"];
