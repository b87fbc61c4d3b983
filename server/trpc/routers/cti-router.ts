import {
  zCtiEventsInput,
  zCtiRequest,
  zDnInput,
  zSoftphoneCredentialInput,
} from "../../../common/schemas/cti-schemas";
import { agentOnDnFor, ctiEventDnsFor, ctiRequestAs } from "../../services/auth/softphone-access";
import { dnActivityFor } from "../../services/activity/dn-activity-service";
import { agentRoster } from "../../services/agents/agent-roster";
import { withRequesterRole } from "../../services/agents/requester-roles";
import { SoftphoneCredentialService } from "../../services/auth/softphone-credential-service";
import { agentProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const ctiRouter = createTRPCRouter({
  /**
   * A T-Library request; the answer is the event a T-Server sends (EventAgentLogin, EventError, …).
   * Agents may act only on their own extension and as their own agent login.
   */
  request: agentProcedure
    .input(zCtiRequest)
    .mutation(({ ctx, input }) => ctiRequestAs(ctx, ctx.actor, input)),
  /** Live T-Library events for the monitored DNs (all DNs when none are given; an agent's own). */
  events: agentProcedure.input(zCtiEventsInput).subscription(async function* ({ ctx, input, signal }) {
    const dns = await ctiEventDnsFor(ctx.db, ctx.actor, input?.dns);
    const withRole = withRequesterRole(ctx.db);
    for await (const event of ctx.cti.bus.subscribe({ dns }, signal)) yield await withRole(event);
  }),
  /** The agents logged in, with their name, user and Ready / Not Ready state (supervisors). */
  agents: supervisorProcedure.query(({ ctx }) => agentRoster(ctx.db, ctx.cti.agents.list())),
  /** The agent logged in on one DN, so a reloaded softphone shows the login it still has. */
  agentOnDn: agentProcedure
    .input(zDnInput)
    .query(({ ctx, input }) => agentOnDnFor(ctx.db, ctx.cti, ctx.actor, input.dn)),
  /**
   * The events of a DN's activity list kept by the server (oldest first, the newest 200 of the
   * last 24 h): the softphone shows them after a reload, then adds `events` as they come.
   */
  activity: agentProcedure
    .input(zDnInput)
    .query(({ ctx, input }) => dnActivityFor(ctx.db, ctx.actor, input.dn)),
  /**
   * A short-lived SIP credential for the extension bound to the signed-in user: the softphone
   * registers with it instead of a typed password, and asks for a new one before it expires.
   */
  softphoneCredential: agentProcedure
    .input(zSoftphoneCredentialInput)
    .mutation(({ ctx, input }) =>
      new SoftphoneCredentialService(ctx.db, ctx.env.SIP_REALM).issue(ctx.actor, input?.dn),
    ),
});
