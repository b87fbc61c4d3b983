import { zRecordedCallsInput } from "../../../../common/schemas/recording-schemas";
import { RecordedCallService } from "../../../services/recording/recorded-call-service";
import { supervisorProcedure } from "../../trpc";

/** recording.calls: the call view's page of recorded calls, each with all its sessions. */
export const callsProcedure = supervisorProcedure
  .input(zRecordedCallsInput)
  .query(({ ctx, input }) => new RecordedCallService(ctx.db).list(input));
