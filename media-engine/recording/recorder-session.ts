import { randomBytes } from "node:crypto";
import type { RecordingEncryption } from "../../protocol/msml";
import {
  acceptAnsweredCrypto,
  answerCrypto,
  chooseOfferedCrypto,
  createAnswer,
  cryptoAttribute,
  type SdpAttribute,
  type SdpCrypto,
  mediaAddress,
  parseSdp,
  serializeSdp,
  type SdpDirection,
  type SessionDescription,
} from "../../protocol/sdp";
import { SIPREC_OPTION_TAG, SRC_FEATURE_TAG, type RecordingMetadata } from "../../protocol/siprec";
import { parseSipUri, type SipRequest, type SipResponse } from "../../protocol/sip";
import {
  Dialog,
  RequestTimeoutError,
  uriDestination,
  type IncomingRequest,
  type SipAddress,
  type UserAgentCore,
} from "../../sip-core";
import { abandon, sendBounded } from "./bounded-request";
import type { RemoteMedia } from "./recording-segment";
import { recordingSdp, siprecBody, type RecordedStreamInfo } from "./siprec-offer";
import { probeUnreachable } from "./unreachable-probe";
import { SRTP_SUITES, srtpSuite, type SrtpPolicy } from "../../protocol/srtp";

/**
 * What the SRC offers for SRTP recording streams: AES_CM_128_HMAC_SHA1_80, the suite every SDES
 * implementation has (RFC 4568 §6.2.1), one line and one fresh key per stream.
 */
const RECORDING_SUITE = SRTP_SUITES.AES_CM_128_HMAC_SHA1_80;

/** The reason a recorder is skipped when encryption is required and it answered plain RTP. */
export const RECORDER_REFUSED_SRTP = "recorder refused SRTP";

class RefusedSrtp extends Error {}

/** What the SRC offers a recorder: media (RFC 7866 §8.1.1 streams are sendonly) or paused. */
export type SrcDirection = Extract<SdpDirection, "sendonly" | "inactive">;

export interface RecorderSessionDeps {
  readonly ua: UserAgentCore;
  readonly publicAddress: string;
  readonly contact: () => string;
}

export type InviteOutcome =
  | { readonly accepted: true; readonly remotes: readonly RemoteMedia[] }
  | { readonly accepted: false; readonly reason: string };

/** How long a re-INVITE, BYE or in-dialog OPTIONS may take before the recorder counts as gone. */
export const IN_DIALOG_DEADLINE_MS = 2_000;

/**
 * One SIPREC session (RFC 7866) with one recorder: the INVITE that offers the streams with their
 * metadata, re-INVITEs for pause and resume, the recorder's own offers, in-dialog OPTIONS and
 * the BYE. A recording that loses its recorder opens a new one of these (a new dialog and a new
 * SDP session) rather than reviving this one.
 */
export class RecorderSession {
  private dialog: Dialog | undefined;
  private destination: SipAddress | undefined;
  private sdpVersion = 1;
  private readonly sdpSessionId = String(BigInt(`0x${randomBytes(6).toString("hex")}`));
  private reinvites: Promise<string | undefined> = Promise.resolve(undefined);
  /** Per stream, the key we send with (RTP/SAVP offers); drawn per session, held in memory only. */
  private readonly outbound: readonly (SrtpPolicy | undefined)[];
  private readonly offeredCrypto: readonly (SdpCrypto | undefined)[];

  constructor(
    readonly uri: string,
    private readonly deps: RecorderSessionDeps,
    private readonly streams: readonly RecordedStreamInfo[],
    private readonly metadata: RecordingMetadata,
    private readonly encryption: RecordingEncryption = "off",
  ) {
    this.outbound = streams.map(() =>
      encryption === "off"
        ? undefined
        : {
            suite: RECORDING_SUITE,
            masterKey: randomBytes(RECORDING_SUITE.keyLength),
            masterSalt: randomBytes(RECORDING_SUITE.saltLength),
          },
    );
    this.offeredCrypto = this.outbound.map((key) =>
      key === undefined
        ? undefined
        : {
            tag: 1,
            suite: key.suite.name,
            keys: [{ keySalt: Buffer.concat([key.masterKey, key.masterSalt]) }],
            sessionParams: [],
          },
    );
  }

  /** Is `dialog` this session's dialog with the recorder? */
  owns(dialog: Dialog): boolean {
    return this.dialog !== undefined && this.dialog.key === dialog.key;
  }

  get established(): boolean {
    return this.dialog !== undefined;
  }

  private offer(direction: SrcDirection): SessionDescription {
    return recordingSdp({
      address: this.deps.publicAddress,
      sessionId: this.sdpSessionId,
      version: this.sdpVersion,
      streams: this.streams,
      direction,
      crypto: this.offeredCrypto,
    });
  }

  /**
   * One INVITE, settled by the recorder's final answer, an ICMP port unreachable from its SIP
   * address, `timeoutMs` without an answer, or `abort` (the recording stopped meanwhile). Never
   * rejects. An INVITE given up on stops at once: CANCEL after a provisional response (RFC 3261
   * §9.1), otherwise its client transaction is abandoned (§9.1: "If no provisional response has
   * been received, the CANCEL request MUST NOT be sent").
   */
  async invite(direction: SrcDirection, timeoutMs: number, abort: AbortSignal): Promise<InviteOutcome> {
    let destination: SipAddress;
    try {
      destination = uriDestination(parseSipUri(this.uri));
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
    const { contentType, body } = siprecBody(this.offer(direction), this.metadata);
    const invite = this.deps.ua.createRequest("INVITE", this.uri, {
      from: `<sip:src@${hostOf(this.deps.contact())}>`,
      to: `<${this.uri}>`,
      contact: `${this.deps.contact()};${SRC_FEATURE_TAG}`,
      body,
      contentType,
      headers: {
        // RFC 7866 §6.1.1: the SRC "MUST include the 'siprec' option tag in the Require header".
        Require: SIPREC_OPTION_TAG,
        Accept: "application/sdp, application/rs-metadata+xml",
      },
    });
    let provisional = false;
    const probe = probeUnreachable(destination);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: () => void = () => undefined;
    const gaveUp = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer in ${timeoutMs} ms`), timeoutMs);
      onAbort = () => resolve("the recording ended");
      abort.addEventListener("abort", onAbort, { once: true });
    });
    const answered = this.deps.ua
      .send(invite, { destination, onProvisional: () => (provisional = true) })
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const outcome = await Promise.race([answered, gaveUp, probe.unreachable]);
    clearTimeout(timer);
    // The signal lives as long as the recording and every failover attempt comes here.
    abort.removeEventListener("abort", onAbort);
    probe.close();
    if (typeof outcome === "string") {
      if (provisional) void this.deps.ua.cancel(invite, destination).catch(() => undefined);
      else abandon(this.deps.ua, invite);
      // A 2xx arriving after we gave up is accepted and hung up at once (RFC 3261 §15: a UAC
      // that no longer wants the session sends BYE after the ACK).
      void answered.then((late) => {
        if (!(late instanceof Error) && late.status < 300) void this.hangUpLate(invite, late, destination);
      });
      return { accepted: false, reason: outcome };
    }
    if (outcome instanceof Error)
      return {
        accepted: false,
        reason: outcome instanceof RequestTimeoutError ? "408 Request Timeout" : outcome.message,
      };
    if (outcome.status >= 300) return { accepted: false, reason: `${outcome.status} ${outcome.reason}` };
    const dialog = Dialog.createAsUac(invite, outcome);
    dialog.flow = destination;
    this.deps.ua.registerDialog(dialog);
    this.dialog = dialog;
    this.destination = destination;
    await this.deps.ua.ack(dialog, outcome, { destination }).catch(() => undefined);
    if (abort.aborted) {
      void this.hangUp();
      return { accepted: false, reason: "the recording ended" };
    }
    try {
      return { accepted: true, remotes: this.remoteMedia(parseSdp(outcome.body)) };
    } catch (error) {
      void this.hangUp();
      if (error instanceof RefusedSrtp) return { accepted: false, reason: RECORDER_REFUSED_SRTP };
      return { accepted: false, reason: `unusable SDP answer: ${(error as Error).message}` };
    }
  }

  /**
   * Each stream's address at the recorder, and its SRTP keys when we offered SRTP and the recorder
   * took it (RFC 4568 §7.1.3: its answer names our tag and suite with its own key). A refused
   * stream (port 0) refuses the session; so does a plain answer when encryption is required.
   * `offer` is true when `sdp` is the recorder's own offer (a re-INVITE): its crypto line is then
   * one of its choosing, answered with our key.
   */
  private remoteMedia(sdp: SessionDescription, offer = false): RemoteMedia[] {
    return this.streams.map((stream, index) => {
      const media = sdp.media[index];
      if (media === undefined || media.port === 0)
        throw new Error(`the recorder refused stream ${stream.label}`);
      const remote = mediaAddress(sdp, media);
      // RFC 5761 §5.1.1: the recorder's a=rtcp-mux answers our offer's: RTCP on the RTP ports.
      const address = {
        address: remote.address,
        port: remote.port,
        rtcpPort: remote.rtcpMux ? remote.port : (remote.rtcpPort ?? remote.port + 1),
        rtcpMux: remote.rtcpMux,
      };
      const outbound = this.outbound[index];
      if (outbound === undefined) return address;
      const choice = !/^RTP\/SAVP$/i.test(media.protocol)
        ? undefined
        : offer
          ? chooseOfferedCrypto(media, [outbound.suite])
          : acceptAnsweredCrypto([this.offeredCrypto[index]!], media, [outbound.suite]);
      if (choice === undefined) {
        if (this.encryption === "required") throw new RefusedSrtp();
        return address;
      }
      const inbound = {
        suite: srtpSuite(choice.suite.name)!,
        masterKey: choice.masterKey,
        masterSalt: choice.masterSalt,
      };
      return { ...address, srtp: { inbound, outbound } };
    });
  }

  /**
   * RFC 7866 §8.1.2 pause and resume by SDP direction. RFC 3261 §14.1: "a UAC MUST NOT initiate a
   * new INVITE transaction within a dialog while another INVITE transaction is in progress in
   * either direction", so re-INVITEs go out one after the other. Resolves with a loss reason when
   * the recorder answered 481/408 or not at all, else undefined.
   */
  setDirection(direction: SrcDirection): Promise<string | undefined> {
    this.reinvites = this.reinvites.then(() => this.reinvite(direction));
    return this.reinvites;
  }

  private async reinvite(direction: SrcDirection): Promise<string | undefined> {
    const dialog = this.dialog;
    const destination = this.destination;
    if (dialog === undefined) return undefined;
    this.sdpVersion += 1;
    const request = dialog.createRequest("INVITE", {
      body: Buffer.from(serializeSdp(this.offer(direction)), "utf8"),
      contentType: "application/sdp",
      headers: { Contact: `${this.deps.contact()};${SRC_FEATURE_TAG}` },
    });
    const outcome = await sendBounded(
      this.deps.ua,
      () => this.deps.ua.sendInDialog(dialog, request, { destination }),
      request,
      IN_DIALOG_DEADLINE_MS,
    );
    if (outcome === "timeout") return `no answer to the re-INVITE in ${IN_DIALOG_DEADLINE_MS} ms`;
    if (outcome instanceof Error) return `re-INVITE failed: ${outcome.message}`;
    if (outcome.status === 200)
      await this.deps.ua.ack(dialog, outcome, { destination }).catch(() => undefined);
    if (outcome.status === 481 || outcome.status === 408)
      return `the recorder answered the re-INVITE ${outcome.status} ${outcome.reason}`;
    return undefined;
  }

  /**
   * Is the recorder still there? RFC 3261 §11: "OPTIONS request may be sent as part of an
   * established dialog to query the peer's capabilities", and every UA must answer it, so it
   * works with any SRS. (RFC 4028 session timers would need the recorder to support them and
   * refresh at most every Min-SE, at least 90 s: far too slow to notice a loss in 5 s.) Resolves
   * with a loss reason — 481 or 408 (§12.2.1.2: "If the response for a request within a dialog
   * is a 481 (Call/Transaction Does Not Exist) or a 408 (Request Timeout), the UAC SHOULD
   * terminate the dialog"), no answer within `deadlineMs`, a transport error — else undefined.
   */
  async probe(deadlineMs: number): Promise<string | undefined> {
    const dialog = this.dialog;
    const destination = this.destination;
    if (dialog === undefined) return undefined;
    const request = dialog.createRequest("OPTIONS");
    const outcome = await sendBounded(
      this.deps.ua,
      () => this.deps.ua.sendInDialog(dialog, request, { destination }),
      request,
      deadlineMs,
    );
    if (this.dialog !== dialog) return undefined;
    if (outcome === "timeout") return `no answer to an in-dialog OPTIONS in ${deadlineMs} ms`;
    if (outcome instanceof Error) return `in-dialog OPTIONS failed: ${outcome.message}`;
    if (outcome.status === 481 || outcome.status === 408)
      return `the recorder answered OPTIONS ${outcome.status} ${outcome.reason}`;
    return undefined;
  }

  /** A re-INVITE or UPDATE from the recorder (session refresh): answered with our current direction. */
  answerOffer(request: IncomingRequest, direction: SrcDirection): RemoteMedia[] | undefined {
    const offer = parseSdp(request.message.body);
    this.sdpVersion += 1;
    const answer = createAnswer(offer, {
      origin: this.offer(direction).origin,
      address: this.deps.publicAddress,
      ports: this.streams.map((s) => s.localPort),
      codecs: this.streams.map((s) => ({ encoding: s.encoding, clockRate: 8000 })),
      direction,
      // RFC 4568 §7.1.2 for the recorder's re-offer of an SRTP stream: its tag and suite, our key
      // (the one the stream already sends with, so the recorder's receive state goes on).
      extraMediaAttributes: (index, offered): SdpAttribute[] => {
        const outbound = this.outbound[index];
        if (outbound === undefined) return [];
        const choice = chooseOfferedCrypto(offered, [outbound.suite]);
        if (choice === undefined) return [];
        return [
          cryptoAttribute(answerCrypto(choice, Buffer.concat([outbound.masterKey, outbound.masterSalt]))),
        ];
      },
    });
    request.reply(200, {
      headers: { Contact: `${this.deps.contact()};${SRC_FEATURE_TAG}` },
      body: serializeSdp(answer),
      contentType: "application/sdp",
    });
    try {
      return this.remoteMedia(offer, true);
    } catch {
      return undefined;
    }
  }

  /** The recorder sent BYE: the dialog is over, nothing to send. */
  recorderHungUp(): void {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    this.dialog = undefined;
    this.deps.ua.forgetDialog(dialog);
  }

  /**
   * BYE, waiting at most IN_DIALOG_DEADLINE_MS for its answer (a lost recorder never answers; a
   * frozen one finds it queued when it wakes). Never rejects.
   */
  async hangUp(): Promise<void> {
    const dialog = this.dialog;
    if (dialog === undefined) return;
    this.dialog = undefined;
    this.deps.ua.forgetDialog(dialog);
    const bye = dialog.createRequest("BYE");
    await sendBounded(
      this.deps.ua,
      () => this.deps.ua.sendInDialog(dialog, bye, { destination: this.destination }),
      bye,
      IN_DIALOG_DEADLINE_MS,
    );
    dialog.terminate();
  }

  private async hangUpLate(
    invite: SipRequest,
    response: SipResponse,
    destination: SipAddress,
  ): Promise<void> {
    const dialog = Dialog.createAsUac(invite, response);
    dialog.flow = destination;
    await this.deps.ua.ack(dialog, response, { destination }).catch(() => undefined);
    const bye = dialog.createRequest("BYE");
    await sendBounded(
      this.deps.ua,
      () => this.deps.ua.sendInDialog(dialog, bye, { destination }),
      bye,
      IN_DIALOG_DEADLINE_MS,
    );
  }
}

function hostOf(contact: string): string {
  return /@([^;>]+)/.exec(contact)?.[1] ?? "media-engine.invalid";
}
