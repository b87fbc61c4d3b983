import { z } from "zod";
import {
  documented,
  type EnvSource,
  parseEnv,
  zBindAddress,
  zEngineSecret,
  zLogLevel,
  zPort,
} from "../common/env-schema";
import { zAllowedSources } from "../common/allowed-sources";

export const mediaEngineEnvSchema = z
  .object({
    MEDIA_ENGINE_SIP_PORT: zPort(5070),
    MEDIA_ENGINE_HTTP_PORT: documented(zPort(5071), "media engine health and Prometheus `/metrics`"),
    MEDIA_ENGINE_HOST: documented(
      zBindAddress("127.0.0.1"),
      "address the media engine listens on (SIP and RTP)",
    ),
    PUBLIC_IP: zBindAddress("127.0.0.1"),
    RTP_PORT_MIN: documented(zPort(20000), "lowest media engine RTP port (shared out among workers)"),
    RTP_PORT_MAX: documented(zPort(29999), "highest media engine RTP port"),
    RTP_INACTIVITY_TIMEOUT_S: documented(
      z.coerce.number({ error: "must be a number" }).int().min(0).max(3600).default(60),
      "a leg that receives no RTP this long (while it should) is hung up, BYE with a Reason; `0` disables",
    ),
    MEDIA_ENGINE_ALLOWED_SOURCES: documented(
      zAllowedSources("127.0.0.1,::1"),
      "addresses or CIDR blocks of the SIP Servers that may open legs and send MSML (comma-separated); others get 403",
    ),
    MEDIA_ENGINE_INVITE_RATE: documented(
      z.coerce.number({ error: "must be a number" }).int().min(1).max(100_000).default(500),
      "new legs per second one source may open (bursts of twice that); beyond, 503 with Retry-After before any port is taken",
    ),
    MEDIA_ENGINE_HEARTBEAT_PORT: documented(
      z.coerce.number({ error: "must be a number" }).int().min(0).max(65535).default(0),
      "UDP port of the media engine's heartbeat responder (a worker thread the SIP Server pings every 100 ms, to tell a stopped engine within 1.5 s); `0`: any free port, announced on OPTIONS — set one where a firewall sits between server and engine",
      "`0`",
    ),
    MEDIA_ENGINE_SECRET: zEngineSecret,
    MEDIA_ENGINE_TLS_CA: documented(
      z.string().min(1).optional(),
      "PEM file of the CAs that sign recorders' certificates, for SIPREC over TLS (`sips:` recorder URIs); a recorder whose certificate does not verify is skipped, the reason naming the problem",
      "the system's CAs",
    ),
    LOG_LEVEL: zLogLevel,
  })
  .refine((env) => env.RTP_PORT_MIN < env.RTP_PORT_MAX, {
    message: "RTP_PORT_MIN must be below RTP_PORT_MAX",
    path: ["RTP_PORT_MIN"],
  });

export type MediaEngineEnv = z.infer<typeof mediaEngineEnvSchema>;

export function loadMediaEngineEnv(source: EnvSource): MediaEngineEnv {
  return parseEnv(mediaEngineEnvSchema, source);
}
