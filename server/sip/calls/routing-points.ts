import { SipError } from "../../../sip-core";
import type { RouteDecision, RoutingService } from "../../services/calls/routing-service";
import type { Call, CallParty } from "./call";
import type { CallEvents } from "./call-events";

type Route = { target: string; extensions: Record<string, string> };
export type RoutedTarget = Exclude<RouteDecision, { kind: "reject" | "routing_point" }>;

/**
 * Calls parked at a routing point until a routing strategy (a CTI client) answers their
 * EventRouteRequest with TRouteCall, or, when none does within `timeoutMs` (ROUTE_TIMEOUT_MS),
 * sent to the routing point's default target from the configuration.
 */
export class RoutingPoints {
  /** ConnID → the routing point it waits at and how to send it on. */
  private readonly parked = new Map<string, { routingPoint: string; resolve: (route: Route) => void }>();

  constructor(
    private readonly routing: RoutingService,
    private readonly events: CallEvents,
    private readonly timeoutMs: number,
  ) {}

  /** TRouteCall: sends a call parked at routing point `thisDn` on to `otherDn`. */
  route(connId: string, thisDn: string, otherDn: string, extensions: Record<string, string>): boolean {
    const pending = this.parked.get(connId);
    if (pending === undefined || pending.routingPoint !== thisDn) return false;
    pending.resolve({ target: otherDn, extensions });
    return true;
  }

  /** Parks `call` at `point` and resolves with where it goes next; sets the call's route extensions. */
  async park(call: Call, point: Extract<RouteDecision, { kind: "routing_point" }>): Promise<RoutedTarget> {
    const pointParty: CallParty = { kind: "extension", dn: point.dn, number: point.dn };
    const chosen = await new Promise<Route | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.parked.delete(call.connId);
        resolve(undefined);
      }, this.timeoutMs);
      this.parked.set(call.connId, {
        routingPoint: point.dn,
        resolve: (route) => {
          clearTimeout(timer);
          this.parked.delete(call.connId);
          resolve(route);
        },
      });
      this.events.publish("EventRouteRequest", pointParty, call.caller.party, call);
    });
    if (call.released) throw new SipError(487, "Request Terminated");
    const target = chosen?.target ?? point.defaultTarget;
    if (target === null) throw new SipError(480, `Routing point ${point.dn} has no default target`);
    call.routeExtensions = chosen?.extensions ?? point.defaultParams;
    const next = await this.routing.route({ kind: "extension", dn: point.dn }, target);
    if (next.kind === "reject" || next.kind === "routing_point") {
      throw new SipError(480, `Routing point ${point.dn}: target ${target} is not routable`);
    }
    this.events.publish(
      "EventRouteUsed",
      pointParty,
      { kind: "extension", dn: target, number: target },
      call,
      call.routeExtensions,
    );
    return next;
  }
}
