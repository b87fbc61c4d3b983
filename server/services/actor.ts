import type { Role } from "../../common/roles";
import type { ApiTokenScope } from "../../common/schemas/config-schemas";

/** Who asks for a change: recorded in the audit log and in recording history. */
export type Actor = {
  kind: "user" | "token" | "system";
  userId: string | null;
  username: string;
  role: Role;
  /** An API token's scope (kind "token"): a read-only token may not call mutations. */
  tokenScope?: ApiTokenScope;
};

export const SYSTEM_ACTOR: Actor = { kind: "system", userId: null, username: "system", role: "admin" };

export function actorLabel(actor: Actor): string {
  return actor.kind === "token" ? `${actor.username} (API token)` : actor.username;
}
