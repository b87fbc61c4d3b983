/**
 * Errors a service may raise on purpose. The tRPC layer maps them to HTTP/tRPC codes
 * in one place (server/trpc/trpc.ts); the CLI and the UI show `message` as it is.
 */
export enum AppErrorCode {
  UNAUTHORIZED = "UNAUTHORIZED",
  FORBIDDEN = "FORBIDDEN",
  NOT_FOUND = "NOT_FOUND",
  /** The request is valid but clashes with the current state (duplicate number, type change). */
  CONFLICT = "CONFLICT",
  INVALID_INPUT = "INVALID_INPUT",
  /** Too many failed logins from one source: the caller must wait `retryAfterSeconds`. */
  TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS",
  /** The capability exists in the API but not yet in this build; never faked. */
  NOT_IMPLEMENTED = "NOT_IMPLEMENTED",
  /** A process the request needs (SIP Server, media engine) is not running. */
  UNAVAILABLE = "UNAVAILABLE",
  INTERNAL = "INTERNAL",
}

export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: {
      retryAfterSeconds?: number;
      field?: string;
      /**
       * The stable T-Library error code behind a refusal of recording control (TErrorCode, e.g.
       * ALREADY_RECORDED), the same a CTI client gets in EventError: clients show or test it
       * without parsing the sentence.
       */
      tlibCode?: string;
    },
  ) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
