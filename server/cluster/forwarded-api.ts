import type { Role } from "../../common/roles";
import type { CtiRequest } from "../../common/schemas/cti-schemas";
import { RecordingPolicyError } from "../cti/gsip-record";
import type { CtiEventBus } from "../cti/cti-event-bus";
import type { CtiApi } from "../cti/cti-service";
import type { TEvent, TErrorCode } from "../cti/t-library-events";
import { AppError, AppErrorCode } from "../errors/app-error";
import type { AgentStateService } from "../services/agents/agent-state-service";
import type { RecordingAction } from "../services/recording/recording-service";
import type { TrpcDeps } from "../trpc/trpc";
import { ClusterRequestError, type ClusterLink } from "./cluster-link";
import type { LiveCallsMirror } from "./live-calls-mirror";

export type SipSideApi = Pick<TrpcDeps, "cti" | "calls" | "liveCalls" | "recordings" | "sipProbe">;

type ControlParams = { action: RecordingAction; req: Parameters<SipSideApi["recordings"]["control"]>[1] };
type CtiParams = { req: CtiRequest; origin?: string; role?: Role };

/**
 * The API of an HA backup: it holds no calls, so what concerns calls — T-Library requests,
 * supervisors' recording control, a recorder's Test — is answered by the active SIP Server
 * through the cluster link, and live calls come from the mirror. A supervisor or agent on
 * either instance sees and does the same.
 */
export function forwardedApi(
  link: ClusterLink,
  mirror: LiveCallsMirror,
  bus: CtiEventBus,
  agents: AgentStateService,
): SipSideApi {
  const cti: CtiApi = {
    bus,
    agents,
    request: async (req, origin, role) => {
      const params: CtiParams = {
        req,
        ...(origin === undefined ? {} : { origin }),
        ...(role === undefined ? {} : { role }),
      };
      const event = (await ask(link, "cti.request", params)) as TEvent;
      return { ...event, time: new Date(event.time) };
    },
  };
  return {
    cti,
    calls: { list: () => mirror.rows() },
    liveCalls: mirror,
    recordings: {
      control: async (action, req) => (await ask(link, "recording.control", { action, req })) as never,
    },
    sipProbe: async (uri) =>
      (await ask(link, "sip.probe", uri)) as Awaited<ReturnType<SipSideApi["sipProbe"]>>,
  };
}

/** The active SIP Server answers the backup's forwarded requests with its own API. */
export function serveForwardedApi(link: ClusterLink, api: SipSideApi): void {
  link.serve("cti.request", (params) => {
    const { req, origin, role } = params as CtiParams;
    return api.cti.request(req, origin, role);
  });
  link.serve("recording.control", async (params) => {
    const { action, req } = params as ControlParams;
    const done = await api.recordings.control(action, req);
    return done.map(({ id, callSide, state }) => ({ id, callSide, state }));
  });
  link.serve("sip.probe", (uri) => api.sipProbe(String(uri)));
}

/** A forwarded request; the active instance's refusals come back as the errors they were. */
async function ask(link: ClusterLink, method: string, params: unknown): Promise<unknown> {
  try {
    return await link.request(method, params);
  } catch (error) {
    if (!(error instanceof ClusterRequestError)) throw error;
    const remote = error.remote;
    if (remote?.name === "RecordingPolicyError")
      throw new RecordingPolicyError(remote.code as TErrorCode, remote.message);
    if (remote?.name === "AppError" && Object.values(AppErrorCode).includes(remote.code as AppErrorCode))
      throw new AppError(remote.code as AppErrorCode, remote.message, remote.details);
    throw new AppError(AppErrorCode.UNAVAILABLE, error.message);
  }
}
