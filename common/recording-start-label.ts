/**
 * What started a live recording, in words, from its trigger and who asked
 * (`RecordingSession.trigger` / `requestedBy`): full-time and routed recordings by their rule, a
 * mid-call start by the person or CTI client that asked — never the T-Library's "private
 * service", which says how the request travelled, not who made it. The call view names people
 * with their display names (server/services/recording/describe-actor.ts); Live calls has only
 * these two strings.
 */
const RULE_LABEL: Record<string, string> = {
  full_time_dn: "full-time (extension)",
  full_time_agent: "full-time (agent)",
  full_time_trunk: "full-time (trunk)",
  route: "routing strategy",
};

export function recordingStartLabel(trigger: string, requestedBy: string): string {
  const rule = RULE_LABEL[trigger];
  if (rule !== undefined) return rule;
  const user = /^user:(.+?)(?: via cti:.+)?$/.exec(requestedBy);
  if (user !== null) return `started by ${user[1]}`;
  const cti = /^cti:(.+)$/.exec(requestedBy);
  if (cti !== null) return `CTI start from ${cti[1]}`;
  return "started on request";
}
