import { parseSdp, rejectingAnswer, serializeSdp } from "../../../protocol/sdp";
import type { SipResponse } from "../../../protocol/sip";
import {
  Dialog,
  RequestTimeoutError,
  SipError,
  SipTransportError,
  type IncomingRequest,
  type SipAddress,
  type UserAgentCore,
} from "../../../sip-core";
import type { Logger } from "../../../common/logger";
import type { RouteDecision, RoutingService } from "../../services/calls/routing-service";
import type { MediaEnginePool } from "../media/media-engine-pool";
import { selectedEncoding } from "../media/selected-encoding";
import { type Call, type CalleeLeg, CallState } from "./call";
import type { CallEvents } from "./call-events";
import type { CallTable } from "./call-table";
import type { CalleeDialer } from "./callee-dialer";
import type { RoutingPoints } from "./routing-points";

export interface CallSetupDeps {
  readonly ua: UserAgentCore;
  readonly media: MediaEnginePool;
  readonly routing: RoutingService;
  /** Contact of the SIP Server, per transport it was reached on. */
  contactFor(source: SipAddress): string;
  readonly calls: CallTable;
  readonly dialer: CalleeDialer;
  readonly routingPoints: RoutingPoints;
  readonly events: CallEvents;
  /** The server's logger bound to one call (`connId`). */
  logOf(call: Call): Logger;
  /** Ends every part of the call that is up (CallController.release). */
  release(call: Call, cause: string): Promise<void>;
  /** The call is up: the lifecycle listeners hear of it. */
  established(call: Call): void;
}

/**
 * Sets up a routed call: the caller's media engine leg (first: if no engine can take the call,
 * the callee never rings), a routing point's wait, the late-offer INVITE to the callee, the
 * callee's leg opened with the callee's own offer and joined to the caller's, then the 200 to
 * the caller. Throws SipError with what the caller is to hear when it cannot.
 */
export class CallSetup {
  constructor(private readonly deps: CallSetupDeps) {}

  async connect(call: Call, decision: Exclude<RouteDecision, { kind: "reject" }>): Promise<void> {
    const invite = setupInvite(call);
    if (invite.message.body.length === 0) throw new SipError(488, "An SDP offer is required");
    let target = decision;
    if (target.kind === "routing_point") {
      target = await this.deps.routingPoints.park(call, target);
    }
    const callee = await this.deps.dialer.calleeFor(target);
    call.callee = callee;
    this.deps
      .logOf(call)
      .debug(
        `${call.caller.party.number} → ${callee.party.dn} via ${callee.destination.transport} ${callee.destination.host}:${callee.destination.port}`,
      );
    // The caller's media leg first: if no media engine can take the call, the callee never rings.
    call.caller.media = await this.deps.media.openLeg(invite.message.body, {
      callId: call.connId,
      encryption: await this.deps.routing.mediaEncryptionOf(call.caller.party.dn),
    });
    this.deps.calls.track(call.caller.media.dialog, call, "media");
    if (call.released) throw new SipError(487, "Request Terminated");
    call.transition(CallState.Alerting);
    this.deps.events.publish("EventDialing", call.caller.party, callee.party, call);
    this.deps.events.publish("EventRinging", callee.party, call.caller.party, call);
    let response: SipResponse;
    try {
      response = await this.deps.dialer.invite(call, callee);
    } catch (error) {
      // Timer B (RFC 3261 §17.1.1.2): the callee never answered at all. The caller hears that
      // the callee timed out, not that we broke.
      if (error instanceof RequestTimeoutError) throw new SipError(408, "Request Timeout");
      if (error instanceof SipTransportError) throw new SipError(480, "Temporarily Unavailable");
      throw error;
    }
    this.deps.logOf(call).debug(`callee answered ${response.status} ${response.reason}`);
    if (call.released) {
      if (response.status < 300) await this.deps.dialer.hangUp(callee, response);
      throw new SipError(487, "Request Terminated");
    }
    if (response.status >= 300) {
      await this.deps.release(call, `callee answered ${response.status}`);
      throw new SipError(response.status === 487 ? 480 : response.status, response.reason || "Declined");
    }
    await this.answer(call, callee, response);
  }

  private async answer(call: Call, callee: CalleeLeg, response: SipResponse): Promise<void> {
    const ua = this.deps.ua;
    callee.dialog = Dialog.createAsUac(callee.invite!, response);
    callee.dialog.flow = callee.destination;
    ua.registerDialog(callee.dialog);
    this.deps.calls.track(callee.dialog, call, "callee");
    if (response.body.length === 0) {
      await ua.ack(callee.dialog, response, { destination: callee.destination });
      throw new SipError(488, "The callee answered without an SDP offer");
    }
    const callerCodec = selectedEncoding(call.caller.media!.answer);
    try {
      callee.media = await this.deps.media.openLeg(response.body, {
        callId: call.connId,
        // Joined to the caller's leg by MSML: both on one engine.
        beside: call.caller.media!,
        ...(callerCodec === undefined ? {} : { preferCodec: callerCodec }),
        encryption: await this.deps.routing.mediaEncryptionOf(callee.party.dn),
      });
    } catch (error) {
      // The callee's offer was in its 2xx, refused (e.g. plain RTP where SRTP is required): the
      // 2xx is still ACKed, with an answer taking none of its streams, before the release BYEs it.
      const rejection = rejectingBody(response.body);
      await ua.ack(callee.dialog, response, {
        destination: callee.destination,
        ...(rejection === undefined ? {} : { body: rejection, contentType: "application/sdp" }),
      });
      throw error;
    }
    this.deps.calls.track(callee.media.dialog, call, "media");
    // Joined before the ACK: the callee may send media as soon as it has the answer (the ACK's
    // SDP), and a packet reaching a leg not yet joined goes nowhere — the callee's first words
    // were lost whenever its phone started talking within the join's round trip. The ACK still
    // goes whatever the join does (RFC 3261 §13.2.2.4: the UAC core MUST generate an ACK for
    // every 2xx), so a failed join ends a confirmed dialog with a BYE.
    this.deps.logOf(call).debug(`callee media leg ${callee.media.connId}; joining, then the ACK`);
    const ack = () =>
      ua.ack(callee.dialog!, response, {
        destination: callee.destination,
        body: callee.media!.answer,
        contentType: "application/sdp",
      });
    try {
      await this.deps.media.join(call.caller.media!, callee.media);
    } catch (error) {
      await ack();
      throw error;
    }
    await ack();
    const invite = setupInvite(call);
    if (invite.cancelled || call.released) {
      await this.deps.release(call, call.releaseCause ?? "caller cancelled");
      throw new SipError(487, "Request Terminated");
    }
    const ok = invite.createResponse(200, {
      headers: {
        Contact: this.deps.contactFor(invite.source),
        Allow: "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER",
      },
      body: call.caller.media!.answer,
      contentType: "application/sdp",
    });
    call.caller.dialog = Dialog.createAsUas(invite.message, ok, invite.source);
    ua.registerDialog(call.caller.dialog);
    this.deps.calls.track(call.caller.dialog, call, "caller");
    invite.send(ok);
    call.transition(CallState.Established);
    this.deps.calls.persist(call);
    this.deps.logOf(call).debug("established");
    this.deps.established(call);
    this.deps.events.publish("EventEstablished", callee.party, call.caller.party, call);
    this.deps.events.publish("EventEstablished", call.caller.party, callee.party, call);
  }
}

/** The origin of an answer that rejects every stream: it names no media address of ours. */
const REJECTING_ORIGIN = {
  username: "-",
  sessionId: "0",
  sessionVersion: "0",
  netType: "IN",
  addrType: "IP4",
  address: "0.0.0.0",
};

/** The answer rejecting every stream of an offer, or nothing for an offer that does not parse. */
function rejectingBody(offer: Buffer): Buffer | undefined {
  try {
    return Buffer.from(serializeSdp(rejectingAnswer(parseSdp(offer), REJECTING_ORIGIN)));
  } catch {
    return undefined;
  }
}

/** The caller's INVITE while the call is being set up (only a restored call has none, and it is set up). */
function setupInvite(call: Call): IncomingRequest {
  if (call.caller.invite === undefined) throw new TypeError(`call ${call.connId} has no INVITE to set up`);
  return call.caller.invite;
}
