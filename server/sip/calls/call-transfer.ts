import { parseNameAddr, type SipResponse } from "../../../protocol/sip";
import { Dialog, SipError, type IncomingRequest, type UserAgentCore } from "../../../sip-core";
import type { RoutingService } from "../../services/calls/routing-service";
import type { MediaEnginePool, MediaLegHandle } from "../media/media-engine-pool";
import { selectedEncoding } from "../media/selected-encoding";
import { type Call, type CalleeLeg, type CallParty, CallState } from "./call";
import type { CallEvents } from "./call-events";
import type { RoutedTarget } from "./routing-points";
import type { Logger } from "../../../common/logger";

type Side = "caller" | "callee";

/** What a transfer needs of the B2BUA core (CallController gives it). */
export interface TransferHost {
  readonly ua: UserAgentCore;
  readonly media: MediaEnginePool;
  readonly routing: RoutingService;
  readonly events: CallEvents;
  /** The server's logger bound to one call (`connId`). */
  logOf(call: Call): Logger;
  readonly onError: (error: unknown) => void;
  call(connId: string): Call | undefined;
  ownerOf(dialog: Dialog): { call: Call; side: Side | "media" } | undefined;
  /** In-dialog requests of `dialog` now belong to `call` (a party's side, or one of its media legs). */
  track(dialog: Dialog, call: Call, side: Side | "media"): void;
  untrack(dialog: Dialog): void;
  calleeFor(target: RoutedTarget): Promise<CalleeLeg>;
  inviteCallee(call: Call, callee: CalleeLeg, from: CallParty): Promise<SipResponse>;
  bye(dialog: Dialog): Promise<void>;
  closeMedia(leg: MediaLegHandle): Promise<void>;
  /** The call changed parties: saved again for a restart. */
  persist(call: Call): void;
}

/**
 * Blind transfers of established calls: TSingleStepTransfer from CTI and REFER (RFC 3515) from a
 * party. The transferee never leaves its media engine leg; the bridge moves to the new party.
 */
export class CallTransfer {
  constructor(private readonly host: TransferHost) {}

  /** TSingleStepTransfer: `thisDn` leaves the call, its other party is connected to `otherDn`. */
  async singleStep(connId: string, thisDn: string, otherDn: string): Promise<boolean> {
    const call = this.host.call(connId);
    if (call === undefined || call.state !== CallState.Established) return false;
    const side =
      call.caller.party.dn === thisDn ? "caller" : call.callee?.party.dn === thisDn ? "callee" : undefined;
    if (side === undefined) return false;
    const releaseTransferor = await this.transfer(call, side, otherDn);
    await releaseTransferor();
    return true;
  }

  /**
   * Blind transfer: the transferee stays on its media engine leg; a new party is invited (late
   * offer, like any callee), its leg is opened and the bridge is switched from the transferor to
   * it in one MSML document (unjoin + join). Returns the release of the transferor, which a REFER
   * runs only after its final NOTIFY (that goes in the transferor's dialog). Throws SipError when
   * the target cannot be reached; the call is then as before.
   */
  async transfer(call: Call, side: "caller" | "callee", target: string): Promise<() => Promise<void>> {
    const transferor = side === "caller" ? call.caller : call.callee!;
    const transferee = side === "caller" ? call.callee! : call.caller;
    const decision = await this.host.routing.route({ kind: "extension", dn: transferor.party.dn }, target);
    if (decision.kind === "reject") throw new SipError(decision.status, decision.reason);
    if (decision.kind === "routing_point")
      throw new SipError(488, "Transfer to a routing point is not supported");
    const next = await this.host.calleeFor(decision);
    this.host
      .logOf(call)
      .debug(`${transferor.party.dn} transfers ${transferee.party.number} to ${next.party.dn}`);
    const response = await this.host.inviteCallee(call, next, transferee.party);
    if (response.status >= 300)
      throw new SipError(response.status === 487 ? 480 : response.status, response.reason);
    next.dialog = Dialog.createAsUac(next.invite!, response);
    next.dialog.flow = next.destination;
    this.host.ua.registerDialog(next.dialog);
    if (response.body.length === 0) {
      await this.host.ua.ack(next.dialog, response, { destination: next.destination });
      await this.host.bye(next.dialog);
      throw new SipError(488, "The transfer target answered without an SDP offer");
    }
    const codec = selectedEncoding(transferee.media!.answer);
    next.media = await this.host.media.openLeg(response.body, {
      callId: call.connId,
      beside: transferee.media!,
      ...(codec === undefined ? {} : { preferCodec: codec }),
      encryption: await this.host.routing.mediaEncryptionOf(next.party.dn),
    });
    this.host.track(next.media.dialog, call, "media");
    await this.host.ua.ack(next.dialog, response, {
      destination: next.destination,
      body: next.media.answer,
      contentType: "application/sdp",
    });
    const result = await this.host.media.msml(transferee.media!, [
      { kind: "unjoin", id1: transferee.media!.connId, id2: transferor.media!.connId, streams: [] },
      { kind: "join", id1: transferee.media!.connId, id2: next.media.connId, streams: [] },
    ]);
    if (result.response !== 200) throw new SipError(500, `media switch refused: ${result.response}`);
    if (transferor.dialog !== undefined) this.host.untrack(transferor.dialog);
    this.host.track(next.dialog, call, side);
    if (side === "callee") call.callee = next;
    else
      call.caller = { party: next.party, invite: call.caller.invite, dialog: next.dialog, media: next.media };
    this.host.persist(call);
    this.host.events.publish("EventEstablished", next.party, transferee.party, call);
    this.host.events.publish("EventEstablished", transferee.party, next.party, call);
    // The transferor leaves: BYE its dialog, close its media leg, and report its release.
    return async () => {
      if (transferor.dialog !== undefined) {
        this.host.ua.forgetDialog(transferor.dialog);
        await this.host.bye(transferor.dialog);
      }
      if (transferor.media !== undefined) await this.host.closeMedia(transferor.media);
      this.host.events.publish("EventReleased", transferor.party, transferee.party, call, {
        cause: `transferred to ${next.party.dn}`,
      });
    };
  }

  /**
   * REFER (RFC 3515) from a party in the call: a blind transfer of the other party. "The REFER
   * method indicates that the recipient (identified by the Request-URI) should contact a third
   * party using the contact information provided in the request" (§2); progress goes back in
   * NOTIFYs with message/sipfrag bodies (§2.4.4).
   */
  async onRefer(request: IncomingRequest): Promise<void> {
    const owner = request.dialog === undefined ? undefined : this.host.ownerOf(request.dialog);
    if (owner === undefined || owner.side === "media")
      throw new SipError(481, "Call/Transaction Does Not Exist");
    if (owner.call.state !== CallState.Established) throw new SipError(491, "Request Pending");
    const referTo = request.message.headers.get("Refer-To");
    if (referTo === undefined) throw new SipError(400, "Missing Refer-To header field");
    const target = parseNameAddr(referTo).uri.user;
    if (target === undefined || target === "") throw new SipError(400, "Refer-To names no number");
    const dialog = request.dialog!;
    request.reply(202);
    const notify = async (fragment: string, state: string) => {
      const message = dialog.createRequest("NOTIFY", {
        headers: { Event: "refer", "Subscription-State": state },
        body: Buffer.from(`${fragment}\r\n`),
        contentType: "message/sipfrag;version=2.0",
      });
      await this.host.ua.sendInDialog(dialog, message).catch((error: unknown) => this.host.onError(error));
    };
    await notify("SIP/2.0 100 Trying", "active;expires=60");
    try {
      const releaseTransferor = await this.transfer(owner.call, owner.side, target);
      await notify("SIP/2.0 200 OK", "terminated;reason=noresource");
      await releaseTransferor();
    } catch (error) {
      const status =
        error instanceof SipError ? `${error.status} ${error.reason}` : "500 Server Internal Error";
      await notify(`SIP/2.0 ${status}`, "terminated;reason=noresource");
    }
  }
}
