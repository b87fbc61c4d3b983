/** How people name what started a recording (RecordingSession.trigger). */
export const TRIGGER_LABEL: Record<string, string> = {
  full_time_dn: "full-time (extension)",
  full_time_agent: "full-time (agent)",
  full_time_trunk: "full-time (trunk)",
  route: "routing strategy",
  private_service: "on request",
};

export const triggerLabel = (trigger: string): string => TRIGGER_LABEL[trigger] ?? trigger.replace(/_/g, " ");

export { recordingStartLabel } from "../../common/recording-start-label";
