import { z } from "zod";
import { EnvError, type EnvSource, parseEnv, zBindAddress, zPort } from "../common/env-schema";

const recorderEnvSchema = z.object({
  RECORDER_SIP_HOST: zBindAddress("127.0.0.1"),
  RECORDER_SIP_PORT: zPort(5080),
  /**
   * The address written in the SDP answer's c= line and the Contact: where the SRC sends RTP
   * and in-dialog requests. Needed when RECORDER_SIP_HOST is a wildcard such as 0.0.0.0.
   */
  RECORDER_ADVERTISED_HOST: z.string().min(1).optional(),
  RECORDER_RTP_PORT_MIN: zPort(31000),
  RECORDER_RTP_PORT_MAX: zPort(31999),
  /** A recording whose SRC sends no RTP and no request for this long is finalized. */
  RECORDER_RTP_TIMEOUT_MS: z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1_000, "must be at least 1000")
    .default(5 * 60_000),
  RECORDER_HOST: zBindAddress("127.0.0.1"),
  RECORDER_HTTP_PORT: zPort(5081),
  RECORDINGS_DIR: z.string().min(1).default("./recordings"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type RecorderEnv = z.infer<typeof recorderEnvSchema>;

export function loadRecorderEnv(source: EnvSource): RecorderEnv {
  const env = parseEnv(recorderEnvSchema, source);
  if (env.RECORDER_RTP_PORT_MIN > env.RECORDER_RTP_PORT_MAX) {
    throw new EnvError([
      { variable: "RECORDER_RTP_PORT_MIN", message: "must not be above RECORDER_RTP_PORT_MAX" },
    ]);
  }
  return env;
}
