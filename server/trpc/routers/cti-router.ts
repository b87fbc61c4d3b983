import { z } from "zod";
import { zCtiRequest } from "../../../common/schemas/cti-schemas";
import { zDnNumber } from "../../../common/schemas/config-schemas";
import { agentProcedure, createTRPCRouter, supervisorProcedure } from "../trpc";

export const ctiRouter = createTRPCRouter({
  /** A T-Library request; the answer is the event a T-Server sends (EventAgentLogin, EventError, …). */
  request: agentProcedure.input(zCtiRequest).mutation(({ ctx, input }) => ctx.cti.request(input)),
  /** Live T-Library events for the monitored DNs (all DNs when none are given). */
  events: agentProcedure
    .input(z.object({ dns: z.array(zDnNumber).max(200).optional() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      yield* ctx.cti.bus.subscribe({ dns: input?.dns }, signal);
    }),
  agents: supervisorProcedure.query(({ ctx }) => ctx.cti.agents.list()),
  /** The agent logged in on one DN, so a reloaded softphone shows the login it still has. */
  agentOnDn: agentProcedure
    .input(z.object({ dn: zDnNumber }))
    .query(({ ctx, input }) => ctx.cti.agents.list().find((a) => a.dn === input.dn) ?? null),
});
