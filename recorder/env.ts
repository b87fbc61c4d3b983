import { z } from "zod";
import { zAllowedSources } from "../common/allowed-sources";
import {
  documented,
  EnvError,
  type EnvSource,
  parseEnv,
  zBindAddress,
  zLogLevel,
  zPort,
} from "../common/env-schema";

export const recorderEnvSchema = z.object({
  RECORDER_SIP_HOST: documented(
    zBindAddress("127.0.0.1"),
    "address the lab recorder's SIP and RTP listen on",
  ),
  RECORDER_SIP_PORT: zPort(5080),
  RECORDER_ADVERTISED_HOST: documented(
    z.string().min(1).optional(),
    "lab recorder: the address in its SDP c= line and Contact, where the SRC sends RTP and in-dialog requests; needed when `RECORDER_SIP_HOST` is a wildcard such as 0.0.0.0",
    "`RECORDER_SIP_HOST`",
  ),
  RECORDER_RTP_PORT_MIN: documented(zPort(31000), "lowest lab recorder RTP/RTCP port pair"),
  RECORDER_RTP_PORT_MAX: documented(zPort(31999), "highest lab recorder RTP/RTCP port"),
  RECORDER_RTP_TIMEOUT_MS: documented(
    z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(1_000, "must be at least 1000")
      .default(5 * 60_000),
    "lab recorder: a recording that receives no RTP and no request this long is finalised",
  ),
  RECORDER_ALLOWED_SOURCES: documented(
    zAllowedSources("127.0.0.1,::1"),
    "addresses or CIDR blocks of the media engines that may start recordings (SIPREC INVITE, OPTIONS), comma separated; others get 403",
  ),
  RECORDER_HOST: documented(zBindAddress("127.0.0.1"), "address of the lab recorder's HTTP listing"),
  RECORDER_HTTP_TOKEN: documented(
    z.string().min(16, "must be at least 16 characters").optional(),
    "lab recorder: the bearer token its `/recordings` listing and files require (they hold phone numbers and voices); `/healthz` and `/metrics` need none",
    "generated, saved in `RECORDINGS_DIR/.http-token`",
  ),
  RECORDER_HTTP_PORT: zPort(5081),
  RECORDER_TLS_PORT: documented(
    zPort(5082),
    "lab recorder: SIPREC over TLS (`sips:` recorder URIs); listened on when `RECORDER_TLS_CERT` is set",
  ),
  RECORDER_TLS_CERT: documented(
    z.string().min(1).optional(),
    "lab recorder: PEM certificate for SIPREC over TLS; set with `RECORDER_TLS_KEY`",
  ),
  RECORDER_TLS_KEY: documented(
    z.string().min(1).optional(),
    "lab recorder: PEM private key of `RECORDER_TLS_CERT`",
  ),
  RECORDINGS_DIR: z.string().min(1).default("./recordings"),
  LOG_LEVEL: zLogLevel,
});

export type RecorderEnv = z.infer<typeof recorderEnvSchema>;

export function loadRecorderEnv(source: EnvSource): RecorderEnv {
  const env = parseEnv(recorderEnvSchema, source);
  if (Boolean(env.RECORDER_TLS_CERT) !== Boolean(env.RECORDER_TLS_KEY)) {
    throw new EnvError([
      {
        variable: "RECORDER_TLS_CERT",
        message: "RECORDER_TLS_CERT and RECORDER_TLS_KEY must be set together",
      },
    ]);
  }
  if (env.RECORDER_RTP_PORT_MIN > env.RECORDER_RTP_PORT_MAX) {
    throw new EnvError([
      { variable: "RECORDER_RTP_PORT_MIN", message: "must not be above RECORDER_RTP_PORT_MAX" },
    ]);
  }
  return env;
}
