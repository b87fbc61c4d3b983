import { formatUriHost, parseNameAddr, type SipResponse } from "../../../protocol/sip";
import {
  Dialog,
  DialogState,
  SipError,
  uriDestination,
  type SipAddress,
  type UserAgentCore,
} from "../../../sip-core";
import type { Registrar } from "../registrar";
import type { Call, CalleeLeg, CallParty } from "./call";
import type { RoutedTarget } from "./routing-points";

export interface CalleeDialerOptions {
  readonly ua: UserAgentCore;
  readonly registrar: Registrar;
  /** Contact of the SIP Server, per transport it was reached on. */
  contactFor(destination: SipAddress): string;
  readonly onError: (error: unknown) => void;
}

/**
 * The SIP Server's own requests to the parties of a call: where a routed target is reached, the
 * INVITE to the callee (late offer) with its ringing passed on to the caller, and the CANCELs
 * and BYEs that end a leg.
 */
export class CalleeDialer {
  constructor(private readonly options: CalleeDialerOptions) {}

  /** Where a routed target is reached: a trunk's address, or an extension's registered contact. */
  async calleeFor(target: RoutedTarget): Promise<CalleeLeg> {
    if (target.kind === "trunk") {
      return {
        party: { kind: "trunk", dn: target.dn, number: target.number },
        destination: { transport: "UDP", host: target.host, port: target.port },
        provisional: false,
        cancelRequested: false,
      };
    }
    const binding = this.options.registrar.lookup(target.dn)[0];
    if (binding === undefined) throw new SipError(480, `${target.dn} is not registered`);
    // Busy is the phone's to say (486): a phone with call waiting takes a second call.
    // Connection-oriented flows (WebSocket, TCP) are the only way back to browsers and phones
    // behind NAT (RFC 5626 §5.3); over UDP the registered Contact is where the phone listens.
    const destination =
      binding.source.transport === "UDP" ? uriDestination(binding.contactUri) : binding.source;
    return {
      party: { kind: "extension", dn: target.dn, number: target.dn },
      destination,
      provisional: false,
      cancelRequested: false,
      requestUri: binding.contact,
    };
  }

  /**
   * INVITE without SDP to the callee, from `from` (the caller, unless a transfer says otherwise).
   * Resolves with its final response; a ringing callee makes the caller ring.
   */
  invite(call: Call, callee: CalleeLeg, from: CallParty = call.caller.party): Promise<SipResponse> {
    const ua = this.options.ua;
    const requestUri =
      callee.requestUri ??
      `sip:${callee.party.number}@${formatUriHost(callee.destination.host)}:${callee.destination.port}`;
    // A restarted server no longer has the caller's INVITE (a transfer of a restored call): its dialog has the From.
    const callerFrom = call.caller.invite?.message.headers.get("From") ?? call.caller.dialog?.remote ?? "";
    const display = from === call.caller.party ? parseDisplayName(callerFrom) : undefined;
    const fromNumber = from.number || "anonymous";
    const local = this.options.contactFor(callee.destination);
    const host = /@([^;>]+)/.exec(local)?.[1] ?? "forkline.invalid";
    const invite = ua.createRequest("INVITE", parseNameAddr(`<${requestUri}>`).uri, {
      from: `${display === undefined ? "" : `"${display.replace(/["\\]/g, "")}" `}<sip:${fromNumber}@${host}>`,
      to: `<sip:${callee.party.number}@${host}>`,
      contact: local,
      headers: { Allow: "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER" },
    });
    callee.invite = invite;
    return ua.send(invite, {
      destination: callee.destination,
      onProvisional: (response) => {
        if (response.status === 100) return;
        callee.provisional = true;
        if (callee.cancelRequested) void this.cancel(callee);
        else if (response.status === 180 || response.status === 183) {
          const callerInvite = call.caller.invite;
          if (callerInvite !== undefined && !callerInvite.finalResponseSent) callerInvite.reply(180);
        }
      },
    });
  }

  async bye(dialog: Dialog, reason?: string): Promise<void> {
    // A dialog ended already (a party lost in a restart) has nobody to tell.
    if (dialog.state === DialogState.Terminated) return;
    try {
      const bye = dialog.createRequest("BYE", reason === undefined ? {} : { headers: { Reason: reason } });
      await this.options.ua.sendInDialog(dialog, bye);
    } catch (error) {
      this.options.onError(error);
    }
    dialog.terminate();
  }

  async cancel(callee: CalleeLeg): Promise<void> {
    if (callee.invite === undefined) return;
    try {
      await this.options.ua.cancel(callee.invite, callee.destination);
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** A 2xx that crossed our CANCEL: ACK it, then BYE (RFC 3261 §9.1 leaves the call up otherwise). */
  async hangUp(callee: CalleeLeg, response: SipResponse): Promise<void> {
    const dialog = Dialog.createAsUac(callee.invite!, response);
    dialog.flow = callee.destination;
    await this.options.ua.ack(dialog, response, { destination: callee.destination });
    await this.bye(dialog);
  }
}

function parseDisplayName(value: string): string | undefined {
  try {
    return parseNameAddr(value).displayName;
  } catch {
    return undefined;
  }
}
