import { AppError, AppErrorCode } from "../../errors/app-error";

/**
 * Live calls and recording control need the SIP Server (issue "SIP Server and media engine")
 * and the recording policy. Until those land these answer NOT_IMPLEMENTED honestly rather
 * than pretend: the API shape is fixed now so that the CLI and the UI can be written against it.
 */
export function listCalls(): never {
  throw new AppError(
    AppErrorCode.NOT_IMPLEMENTED,
    "Live calls are not implemented yet: they arrive with the SIP Server.",
  );
}

export function controlRecording(action: "start" | "stop" | "pause" | "resume"): never {
  throw new AppError(
    AppErrorCode.NOT_IMPLEMENTED,
    `Recording ${action} is not implemented yet: it arrives with the SIP Server and the recording policy.`,
  );
}
