import type { Db } from "../db";
import type { CtiEventBus } from "../../cti/cti-event-bus";
import { type TEvent, TErrorCode } from "../../cti/t-library-events";
import {
  AgentWorkState,
  type LoggedInState,
  toLoggedInState,
  transitionAgentWorkState,
} from "./agent-work-state";

export type AgentState = {
  agentId: string;
  dn: string;
  since: Date;
  /** Ready or Not Ready (TAgentSetReady / TAgentSetNotReady); not_ready after a login. */
  state: LoggedInState;
  /** The reason code of the last TAgentSetNotReady ("" when none, or when Ready). */
  reasonCode: string;
  /** When `state` last changed (the login time until it first does). */
  stateSince: Date;
};

type AgentStateRequest = { thisDn: string; referenceId: number | null };

/**
 * Which agent is logged in on which extension. Saved in the database (AgentSession) before a
 * login or logout is confirmed, and read back by `restore()` when the SIP Server starts: a
 * restart does not log agents out, so an Agent Login's `record` option keeps following its
 * agent through `agentOnDn()`, whatever extension they use. The maps are the synchronous view
 * the call path reads.
 */
export class AgentStateService {
  private readonly byAgent = new Map<string, AgentState>();
  private readonly byDn = new Map<string, AgentState>();

  constructor(
    private readonly db: Db,
    private readonly bus: CtiEventBus,
  ) {}

  /** Reads the agents logged in before this process started; returns how many. */
  restore(): Promise<number> {
    return this.reload();
  }

  /**
   * Reads the agents again, forgetting what memory held: the other SIP Server of an HA pair
   * logged one in or out (it saved that before confirming it).
   */
  async reload(): Promise<number> {
    const rows = await this.db.agentSession.findMany();
    this.byAgent.clear();
    this.byDn.clear();
    for (const row of rows) {
      const state: AgentState = {
        agentId: row.agentId,
        dn: row.dn,
        since: row.since,
        state: toLoggedInState(row.state),
        reasonCode: row.reasonCode,
        stateSince: row.stateSince ?? row.since,
      };
      this.byAgent.set(row.agentId, state);
      this.byDn.set(row.dn, state);
    }
    return rows.length;
  }

  list(): AgentState[] {
    return [...this.byAgent.values()].sort((a, b) => a.agentId.localeCompare(b.agentId));
  }

  agentOnDn(dn: string): string | null {
    return this.byDn.get(dn)?.agentId ?? null;
  }

  async login(req: { thisDn: string; agentId: string; referenceId: number | null }): Promise<TEvent> {
    const dn = await this.db.dn.findUnique({ where: { number: req.thisDn } });
    if (!dn) return this.error(req, TErrorCode.UNKNOWN_DN, `DN ${req.thisDn} does not exist.`);
    if (dn.type !== "extension") {
      return this.error(
        req,
        TErrorCode.INVALID_DN_TYPE,
        `Agents log in on extensions; ${req.thisDn} is not one.`,
      );
    }
    const agent = await this.db.agentLogin.findUnique({ where: { loginCode: req.agentId } });
    if (!agent)
      return this.error(req, TErrorCode.UNKNOWN_AGENT, `Agent login ${req.agentId} does not exist.`);
    const current = this.byAgent.get(req.agentId);
    if (current && current.dn !== req.thisDn) {
      return this.error(
        req,
        TErrorCode.AGENT_ALREADY_LOGGED_IN,
        `Agent ${req.agentId} is logged in on ${current.dn}; log out there first.`,
      );
    }
    const onDn = this.byDn.get(req.thisDn);
    if (onDn && onDn.agentId !== req.agentId) {
      return this.error(
        req,
        TErrorCode.DN_ALREADY_HAS_AGENT,
        `Agent ${onDn.agentId} is logged in on ${req.thisDn}.`,
      );
    }
    const now = new Date();
    const state: AgentState = current ?? {
      agentId: req.agentId,
      dn: req.thisDn,
      since: now,
      // A T-Server logs an agent in Not Ready: calls wait until they say they are Ready.
      state: transitionAgentWorkState(AgentWorkState.LoggedOut, AgentWorkState.NotReady) as LoggedInState,
      reasonCode: "",
      stateSince: now,
    };
    if (current === undefined) {
      // Taken in memory at once (a concurrent login sees it), saved before it is confirmed.
      this.byAgent.set(req.agentId, state);
      this.byDn.set(req.thisDn, state);
      try {
        await this.db.agentSession.create({ data: state });
      } catch (error) {
        this.byAgent.delete(req.agentId);
        this.byDn.delete(req.thisDn);
        throw error;
      }
    }
    return this.bus.publish({
      event: "EventAgentLogin",
      thisDn: req.thisDn,
      otherDn: null,
      connId: null,
      agentId: req.agentId,
      referenceId: req.referenceId,
      userData: { AgentName: agent.name },
    });
  }

  async logout(req: { thisDn: string; referenceId: number | null }): Promise<TEvent> {
    const state = this.byDn.get(req.thisDn);
    if (!state)
      return this.error(req, TErrorCode.AGENT_NOT_LOGGED_IN, `No agent is logged in on ${req.thisDn}.`);
    await this.db.agentSession.deleteMany({ where: { agentId: state.agentId } });
    this.byDn.delete(req.thisDn);
    this.byAgent.delete(state.agentId);
    return this.bus.publish({
      event: "EventAgentLogout",
      thisDn: req.thisDn,
      otherDn: null,
      connId: null,
      agentId: state.agentId,
      referenceId: req.referenceId,
      userData: {},
    });
  }

  /**
   * TAgentSetReady / TAgentSetNotReady on `thisDn`: the state is saved with the agent session
   * before EventAgentReady / EventAgentNotReady confirms it (so it survives a restart and the other
   * instance of an HA pair reads it). No agent logged in there: EventError AGENT_NOT_LOGGED_IN.
   */
  async setState(req: AgentStateRequest & { state: LoggedInState; reasonCode?: string }): Promise<TEvent> {
    const session = this.byDn.get(req.thisDn);
    // Logged out, the only move is a login (logged_out → not_ready is TAgentLogin's, not this one's).
    if (session === undefined)
      return this.error(
        req,
        TErrorCode.AGENT_NOT_LOGGED_IN,
        `No agent is logged in on ${req.thisDn}: log in (TAgentLogin) before going ${req.state === AgentWorkState.Ready ? "Ready" : "Not Ready"}.`,
      );
    const next = transitionAgentWorkState(session.state, req.state) as LoggedInState;
    const reasonCode = next === AgentWorkState.NotReady ? (req.reasonCode ?? "") : "";
    const stateSince =
      next === session.state && reasonCode === session.reasonCode ? session.stateSince : new Date();
    await this.db.agentSession.update({
      where: { agentId: session.agentId },
      data: { state: next, reasonCode, stateSince },
    });
    session.state = next;
    session.reasonCode = reasonCode;
    session.stateSince = stateSince;
    return this.bus.publish({
      event: next === AgentWorkState.Ready ? "EventAgentReady" : "EventAgentNotReady",
      thisDn: req.thisDn,
      otherDn: null,
      connId: null,
      agentId: session.agentId,
      referenceId: req.referenceId,
      userData: reasonCode === "" ? {} : { ReasonCode: reasonCode },
    });
  }

  private error(
    req: { thisDn: string; agentId?: string; referenceId: number | null },
    code: TErrorCode,
    message: string,
  ): TEvent {
    return this.bus.publish({
      event: "EventError",
      thisDn: req.thisDn,
      otherDn: null,
      connId: null,
      agentId: req.agentId ?? null,
      referenceId: req.referenceId,
      userData: {},
      error: { code, message },
    });
  }
}
