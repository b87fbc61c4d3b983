import { TRPCError, initTRPC } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import { type Role, roleAllows } from "../../common/roles";
import { AppError, AppErrorCode } from "../errors/app-error";
import type { Actor } from "../services/actor";
import { countApiTokenRefusal } from "../services/auth/api-token-refusals";
import type { LoginThrottle } from "../services/auth/login-throttle";
import type { Db } from "../services/db";
import type { ServerEnv } from "../env";
import type {
  LiveCalls,
  LiveCallsFeed,
  RecordingControl,
  SipProbe,
} from "../services/calls/call-control-service";
import type { CtiApi } from "../cti/cti-service";
import type { EngineStatus } from "../services/dashboard/component-health";

// ---- 1. CONTEXT ----------------------------------------------------------------------

/** What every request's context carries from the server, built once in server/main.ts. */
export type TrpcDeps = {
  db: Db;
  env: ServerEnv;
  throttle: LoginThrottle;
  cti: CtiApi;
  /** The calls in progress (an agent's requests are checked against their parties). */
  calls: LiveCalls;
  /** Live calls as supervisors see them, pushed when they change. */
  liveCalls: LiveCallsFeed;
  recordings: RecordingControl;
  /** OPTIONS to a SIP URI through the SIP Server. */
  sipProbe: SipProbe;
  /** This instance's media engine pool (keep-alives): null where it serves no SIP (an HA backup). */
  engineStatus: () => EngineStatus;
};

export type TrpcContext = TrpcDeps & {
  actor: Actor | null;
  /** Why a credential that was presented is refused (an expired API token), for the 401 message. */
  authRefusal?: string | null;
  /** Remote address of the request, the key for login throttling. */
  source: string;
  sessionToken: string | null;
  setSessionCookie: (token: string, expiresAt: Date) => void;
  clearSessionCookie: () => void;
};

// ---- 2. INITIALIZATION ----------------------------------------------------------------

const appErrorToTrpc: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  [AppErrorCode.UNAUTHORIZED]: "UNAUTHORIZED",
  [AppErrorCode.FORBIDDEN]: "FORBIDDEN",
  [AppErrorCode.NOT_FOUND]: "NOT_FOUND",
  [AppErrorCode.CONFLICT]: "CONFLICT",
  [AppErrorCode.INVALID_INPUT]: "BAD_REQUEST",
  [AppErrorCode.TOO_MANY_REQUESTS]: "TOO_MANY_REQUESTS",
  [AppErrorCode.NOT_IMPLEMENTED]: "NOT_IMPLEMENTED",
  [AppErrorCode.UNAVAILABLE]: "SERVICE_UNAVAILABLE",
  [AppErrorCode.INTERNAL]: "INTERNAL_SERVER_ERROR",
};

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const appError = error.cause instanceof AppError ? error.cause : null;
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      message: zodError
        ? zodError.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")
        : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        appError: appError ? { code: appError.code, ...appError.details } : null,
        zodError: zodError ? zodError.flatten() : null,
        fieldErrors: fieldErrorsOf(zodError, appError),
      },
    };
  },
});

/**
 * Every problem with the field it is about ("path" joined with dots, e.g. "routeParams.x"), so a
 * form shows each next to its field, all at once: zod's issues, or the field an AppError names.
 */
export type FieldErrorData = { path: string; message: string }[];
function fieldErrorsOf(zodError: ZodError | null, appError: AppError | null): FieldErrorData {
  if (zodError)
    return zodError.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  if (appError?.details?.field) return [{ path: appError.details.field, message: appError.message }];
  return [];
}

/** The one place where service errors become tRPC errors. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: appErrorToTrpc[cause.code], message: cause.message, cause });
  }
  return result;
});

// ---- 3. ROUTER & PROCEDURES --------------------------------------------------------------

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(mapAppErrors);

const requireRole = (role: Role) =>
  t.middleware(({ ctx, next }) => {
    if (!ctx.actor) {
      throw new TRPCError({ code: "UNAUTHORIZED", message: ctx.authRefusal ?? "Sign in first." });
    }
    if (!roleAllows(ctx.actor.role, role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This needs the ${role} role; you are ${ctx.actor.role}.`,
      });
    }
    return next({ ctx: { ...ctx, actor: ctx.actor } });
  });

/** A read-only API token runs queries and subscriptions; any mutation is refused before it runs. */
const refuseReadOnlyChanges = t.middleware(({ ctx, type, path, next }) => {
  if (type === "mutation" && ctx.actor?.tokenScope === "read-only") {
    countApiTokenRefusal("read_only");
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `This is a read-only token: it may not call ${path}. Use a token with full scope.`,
    });
  }
  return next();
});

/** Any signed-in user (agents use the softphone). */
export const agentProcedure = publicProcedure.use(requireRole("agent")).use(refuseReadOnlyChanges);
/** Supervisors control recordings and watch calls. */
export const supervisorProcedure = publicProcedure.use(requireRole("supervisor")).use(refuseReadOnlyChanges);
/** Admins edit configuration. */
export const adminProcedure = publicProcedure.use(requireRole("admin")).use(refuseReadOnlyChanges);
