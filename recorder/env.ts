import { z } from "zod";
import { type EnvSource, parseEnv, zBindAddress, zPort } from "../common/env-schema";

const recorderEnvSchema = z.object({
  RECORDER_SIP_PORT: zPort(5080),
  RECORDER_HOST: zBindAddress("127.0.0.1"),
  RECORDER_HTTP_PORT: zPort(5081),
  RECORDINGS_DIR: z.string().min(1).default("./recordings"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type RecorderEnv = z.infer<typeof recorderEnvSchema>;

export function loadRecorderEnv(source: EnvSource): RecorderEnv {
  return parseEnv(recorderEnvSchema, source);
}
