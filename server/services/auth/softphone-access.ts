import type { CtiRequest } from "../../../common/schemas/cti-schemas";
import type { CtiApi } from "../../cti/cti-service";
import type { TEvent } from "../../cti/t-library-events";
import { AppError, AppErrorCode } from "../../errors/app-error";
import { type Actor, actorLabel } from "../actor";
import type { LiveCalls } from "../calls/call-control-service";
import type { Db } from "../db";

/** What an agent is bound to; null for supervisors and admins, who may act on any DN. */
export type AgentBinding = { extension: string | null; agentLoginCode: string | null };

/**
 * Agents act only through their own softphone: SIP registration, CTI requests and event streams
 * for the extension bound to their user, agent login with their own code, and call or recording
 * control only on calls of that extension. Otherwise an agent who learned a colleague's SIP
 * password or login code could log in as them, and full-time recording follows the agent login.
 * Supervisors and admins keep access to every DN: they place test calls and help agents.
 */
export async function agentBinding(db: Db, actor: Actor): Promise<AgentBinding | null> {
  if (actor.role !== "agent") return null;
  if (actor.userId === null) return { extension: null, agentLoginCode: null };
  const user = await db.user.findUnique({
    where: { id: actor.userId },
    select: { extension: true, agentLoginCode: true },
  });
  return { extension: user?.extension ?? null, agentLoginCode: user?.agentLoginCode ?? null };
}

/** The one rule for web and SIP alike: why `dn` is not this user's to use, or null when it is. */
function extensionRefusal(binding: AgentBinding | null, dn: string): "unassigned" | "not-theirs" | null {
  if (binding === null) return null;
  if (binding.extension === null) return "unassigned";
  return dn === binding.extension ? null : "not-theirs";
}

/** Throws FORBIDDEN unless `dn` is the agent's own extension. */
export function assertOwnExtension(binding: AgentBinding | null, dn: string): void {
  const refusal = extensionRefusal(binding, dn);
  if (refusal === "unassigned")
    throw new AppError(
      AppErrorCode.FORBIDDEN,
      "No extension is assigned to you; ask an admin to assign one.",
    );
  if (refusal === "not-theirs")
    throw new AppError(
      AppErrorCode.FORBIDDEN,
      `You may use only your own extension ${binding?.extension}, not ${dn}.`,
    );
}

/** A T-Library request on behalf of a signed-in user, within what their role and binding allow. */
export async function ctiRequestAs(
  deps: { db: Db; cti: CtiApi; calls: LiveCalls },
  actor: Actor,
  req: CtiRequest,
): Promise<TEvent> {
  const binding = await agentBinding(deps.db, actor);
  if (binding !== null) {
    if (req.request === "TRouteCall")
      throw new AppError(AppErrorCode.FORBIDDEN, "Routing calls needs the supervisor role.");
    assertOwnExtension(binding, req.thisDn);
    if (req.request === "TAgentLogin") {
      if (binding.agentLoginCode === null)
        throw new AppError(AppErrorCode.FORBIDDEN, "No agent login is assigned to you; ask an admin.");
      if (req.agentId !== binding.agentLoginCode)
        throw new AppError(
          AppErrorCode.FORBIDDEN,
          `You may log in only as agent ${binding.agentLoginCode}, not ${req.agentId}.`,
        );
    }
    if ("connId" in req) {
      const onMyDn = deps.calls
        .list()
        .some((c) => c.connId === req.connId && (c.caller.dn === req.thisDn || c.callee?.dn === req.thisDn));
      if (!onMyDn)
        throw new AppError(
          AppErrorCode.FORBIDDEN,
          `Call ${req.connId} is not on your extension ${req.thisDn}.`,
        );
    }
  }
  return deps.cti.request(req, `user:${actorLabel(actor)}`, actor.role);
}

/** The DNs whose CTI events a user may follow: an agent only their own extension. */
export async function ctiEventDnsFor(
  db: Db,
  actor: Actor,
  dns: string[] | undefined,
): Promise<string[] | undefined> {
  const binding = await agentBinding(db, actor);
  if (binding === null) return dns;
  const wanted = dns ?? [binding.extension ?? ""];
  for (const dn of wanted) assertOwnExtension(binding, dn);
  return wanted;
}

/** The agent logged in on a DN, for the softphone after a reload. */
export async function agentOnDnFor(db: Db, cti: CtiApi, actor: Actor, dn: string) {
  assertOwnExtension(await agentBinding(db, actor), dn);
  return cti.agents.list().find((a) => a.dn === dn) ?? null;
}

/**
 * The registrar's check for a flow owned by a signed-in user (a softphone's WebSocket): an agent
 * binds only the extension assigned to them. The reason to refuse, or null.
 */
export async function mayRegisterExtension(
  db: Db,
  userId: string,
  extension: string,
): Promise<string | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { role: true, extension: true, agentLoginCode: true, disabled: true },
  });
  if (user === null) return "The signed-in user no longer exists";
  if (user.disabled) return "The signed-in user is disabled";
  const refusal = extensionRefusal(user.role === "agent" ? user : null, extension);
  if (refusal === "unassigned") return "No extension is assigned to this user";
  if (refusal === "not-theirs") return `Extension ${extension} is not assigned to this user`;
  return null;
}
