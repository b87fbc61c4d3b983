import { agentLoginRouter } from "./routers/agent-login-router";
import { authRouter } from "./routers/auth-router";
import { alarmRouter } from "./routers/alarm-router";
import { apiTokenRouter } from "./routers/api-token-router";
import { auditRouter } from "./routers/audit-router";
import { bulkRouter } from "./routers/bulk-router";
import { callRouter } from "./routers/call-router";
import { complianceRouter } from "./routers/compliance-router";
import { recordingRouter } from "./routers/recording-router";
import { systemRouter } from "./routers/system-router";
import { ctiRouter } from "./routers/cti-router";
import { dashboardRouter } from "./routers/dashboard-router";
import { dnRouter } from "./routers/dn-router";
import { eventRouter } from "./routers/event-router";
import { recorderRouter } from "./routers/recorder-router";
import { userRouter } from "./routers/user-router";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  dn: dnRouter,
  agentLogin: agentLoginRouter,
  recorder: recorderRouter,
  compliance: complianceRouter,
  user: userRouter,
  apiToken: apiTokenRouter,
  audit: auditRouter,
  bulk: bulkRouter,
  calls: callRouter,
  dashboard: dashboardRouter,
  recording: recordingRouter,
  alarm: alarmRouter,
  events: eventRouter,
  cti: ctiRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
