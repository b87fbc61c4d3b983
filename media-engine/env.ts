import { z } from "zod";
import { type EnvSource, parseEnv, zBindAddress, zPort } from "../common/env-schema";

const mediaEngineEnvSchema = z
  .object({
    MEDIA_ENGINE_SIP_PORT: zPort(5070),
    /** Health and Prometheus metrics. */
    MEDIA_ENGINE_HTTP_PORT: zPort(5071),
    MEDIA_ENGINE_HOST: zBindAddress("127.0.0.1"),
    PUBLIC_IP: zBindAddress("127.0.0.1"),
    RTP_PORT_MIN: zPort(20000),
    RTP_PORT_MAX: zPort(29999),
    /** A leg that receives no RTP for this long (while it should) is hung up; 0 disables. */
    RTP_INACTIVITY_TIMEOUT_S: z.coerce
      .number({ error: "must be a number" })
      .int()
      .min(0)
      .max(3600)
      .default(60),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .refine((env) => env.RTP_PORT_MIN < env.RTP_PORT_MAX, {
    message: "RTP_PORT_MIN must be below RTP_PORT_MAX",
    path: ["RTP_PORT_MIN"],
  });

export type MediaEngineEnv = z.infer<typeof mediaEngineEnvSchema>;

export function loadMediaEngineEnv(source: EnvSource): MediaEngineEnv {
  return parseEnv(mediaEngineEnvSchema, source);
}
