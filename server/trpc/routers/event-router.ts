import { configEvents } from "../../services/config/config-events";
import { createTRPCRouter, supervisorProcedure } from "../trpc";

export const eventRouter = createTRPCRouter({
  /** Configuration changes, so that every open admin page shows what another admin saved. */
  config: supervisorProcedure.subscription(async function* ({ signal }) {
    yield* configEvents.changes(signal);
  }),
});
