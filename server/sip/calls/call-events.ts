import type { CtiEventBus } from "../../cti/cti-event-bus";
import type { TEventName } from "../../cti/t-library-events";
import type { Call, CallParty } from "./call";

/**
 * What the B2BUA tells CTI clients about a call (EventDialing, EventRinging, EventEstablished,
 * EventReleased, EventRouteRequest, …): one T-Library event per party it concerns, naming the
 * agent logged in on an extension.
 */
export class CallEvents {
  constructor(
    private readonly cti: CtiEventBus,
    private readonly agentOf: (dn: string) => string | null,
  ) {}

  publish(
    event: TEventName,
    thisParty: CallParty,
    otherParty: CallParty | null,
    call: Call,
    userData: Record<string, string> = {},
  ): void {
    this.cti.publish({
      event,
      thisDn: thisParty.dn,
      otherDn: otherParty === null ? null : otherParty.kind === "trunk" ? otherParty.number : otherParty.dn,
      connId: call.connId,
      agentId: thisParty.kind === "extension" ? this.agentOf(thisParty.dn) : null,
      referenceId: null,
      userData,
    });
  }
}
