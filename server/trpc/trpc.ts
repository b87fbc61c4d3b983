import { TRPCError, initTRPC } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import { type Role, roleAllows } from "../../common/roles";
import { AppError, AppErrorCode } from "../errors/app-error";
import type { Actor } from "../services/actor";
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
      },
    };
  },
});

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
      throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
    }
    if (!roleAllows(ctx.actor.role, role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This needs the ${role} role; you are ${ctx.actor.role}.`,
      });
    }
    return next({ ctx: { ...ctx, actor: ctx.actor } });
  });

/** Any signed-in user (agents use the softphone). */
export const agentProcedure = publicProcedure.use(requireRole("agent"));
/** Supervisors control recordings and watch calls. */
export const supervisorProcedure = publicProcedure.use(requireRole("supervisor"));
/** Admins edit configuration. */
export const adminProcedure = publicProcedure.use(requireRole("admin"));
