import type { Role } from "../../common/roles";
import type { CtiRequest } from "../../common/schemas/cti-schemas";
import type { AgentStateService } from "../services/agents/agent-state-service";
import type { CtiEventBus } from "./cti-event-bus";
import { type TEvent, TErrorCode } from "./t-library-events";

/**
 * Entry point for T-Library requests from every client (softphone, routing strategy, CLI,
 * supervisor page): one code path answers each with the event a T-Server would send.
 */
/** What the CTI API asks of the call layer (the SIP Server's call controller). */
export interface CtiCallControl {
  routeCall(connId: string, thisDn: string, otherDn: string, extensions: Record<string, string>): boolean;
  releaseCall(connId: string, thisDn: string): Promise<boolean>;
  singleStepTransfer(connId: string, thisDn: string, otherDn: string): Promise<boolean>;
}

/** A TRequestPrivateService as the CTI API passes it on. */
export interface PrivateServiceRequest {
  thisDn: string;
  connId: string;
  privateMsgId: number;
  extensions?: Record<string, string>;
  referenceId: number | null;
  /** Who sent the request, when the CTI API knows (a signed-in user), for the history. */
  origin?: string;
  /** That user's role, for the compliance rules (who may stop a full-time recording). */
  role?: Role;
}

/** Recording control by TRequestPrivateService (the recording policy service). */
export interface CtiRecordingControl {
  privateService(req: PrivateServiceRequest): Promise<TEvent>;
}

/** What the API uses of the CTI service (an HA backup forwards the requests to the active server). */
export type CtiApi = Pick<CtiService, "bus" | "agents" | "request">;

export class CtiService {
  constructor(
    readonly bus: CtiEventBus,
    readonly agents: AgentStateService,
    private readonly calls: CtiCallControl,
    private readonly recordings: CtiRecordingControl,
  ) {}

  /**
   * `origin`: who sent it, when known (e.g. "user:amy"); recorded with recording changes.
   * `role`: that user's role, for the compliance rules.
   */
  async request(req: CtiRequest, origin?: string, role?: Role): Promise<TEvent> {
    const referenceId = req.referenceId ?? null;
    switch (req.request) {
      case "TAgentLogin":
        return this.agents.login({ thisDn: req.thisDn, agentId: req.agentId, referenceId });
      case "TAgentLogout":
        return this.agents.logout({ thisDn: req.thisDn, referenceId });
      case "TAgentSetReady":
        return this.agents.setState({ thisDn: req.thisDn, state: "ready", referenceId });
      case "TAgentSetNotReady":
        return this.agents.setState({
          thisDn: req.thisDn,
          state: "not_ready",
          ...(req.reasonCode === undefined || req.reasonCode === "" ? {} : { reasonCode: req.reasonCode }),
          referenceId,
        });
      case "TRequestPrivateService":
        return this.recordings.privateService({
          thisDn: req.thisDn,
          connId: req.connId,
          privateMsgId: req.privateMsgId,
          ...(req.extensions === undefined ? {} : { extensions: req.extensions }),
          ...(origin === undefined ? {} : { origin }),
          ...(role === undefined ? {} : { role }),
          referenceId,
        });
      case "TRouteCall":
        if (this.calls.routeCall(req.connId, req.thisDn, req.otherDn, req.extensions ?? {})) {
          return this.ack(req.thisDn, req.connId, referenceId, req.otherDn);
        }
        return this.error(
          req.thisDn,
          req.connId,
          referenceId,
          TErrorCode.NO_SUCH_CALL,
          `No call with ConnID ${req.connId} is waiting at routing point ${req.thisDn}.`,
        );
      case "TReleaseCall":
        if (await this.calls.releaseCall(req.connId, req.thisDn)) {
          return this.ack(req.thisDn, req.connId, referenceId, null);
        }
        return this.error(
          req.thisDn,
          req.connId,
          referenceId,
          TErrorCode.NO_SUCH_CALL,
          `No call with ConnID ${req.connId} on DN ${req.thisDn}.`,
        );
      case "TSingleStepTransfer": {
        let moved: boolean | undefined;
        try {
          moved = await this.calls.singleStepTransfer(req.connId, req.thisDn, req.otherDn);
        } catch (error) {
          return this.error(
            req.thisDn,
            req.connId,
            referenceId,
            TErrorCode.NO_SUCH_CALL,
            `Transfer to ${req.otherDn} failed: ${(error as Error).message}`,
          );
        }
        if (moved) return this.ack(req.thisDn, req.connId, referenceId, req.otherDn);
        return this.error(
          req.thisDn,
          req.connId,
          referenceId,
          TErrorCode.NO_SUCH_CALL,
          `No established call with ConnID ${req.connId} on DN ${req.thisDn}.`,
        );
      }
    }
  }

  private ack(thisDn: string, connId: string, referenceId: number | null, otherDn: string | null) {
    return this.bus.publish({
      event: "EventACK",
      thisDn,
      otherDn,
      connId,
      agentId: null,
      referenceId,
      userData: {},
    });
  }

  private error(
    thisDn: string,
    connId: string,
    referenceId: number | null,
    code: TErrorCode,
    message: string,
  ) {
    return this.bus.publish({
      event: "EventError",
      thisDn,
      otherDn: null,
      connId,
      agentId: null,
      referenceId,
      userData: {},
      error: { code, message },
    });
  }
}
