import { z } from "zod";

/**
 * The supervisor dashboard's input: the browser's offset from UTC (`Date#getTimezoneOffset()`,
 * minutes, positive west of Greenwich), so "today" starts at the supervisor's own midnight.
 */
export const zDashboardInput = z.object({
  tzOffsetMinutes: z
    .number()
    .int("the time zone offset is a whole number of minutes")
    .min(-840, "time zone offsets run from -840 to 840 minutes")
    .max(840, "time zone offsets run from -840 to 840 minutes")
    .default(0),
});

export type DashboardInput = z.output<typeof zDashboardInput>;
