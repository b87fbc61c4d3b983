import { randomBytes } from "node:crypto";
import { UdpTransport, UserAgentCore, type IncomingRequest } from "../../sip-core";
import { HOST, PORTS } from "./bench-machine";
import { callPorts } from "./load-sink-process";

/**
 * The least SIPREC recorder (SRS, RFC 7866) the media engine accepts, in the bench process: it
 * answers each recording's INVITE with an SDP whose two m-lines point at that call's recorder
 * streams at the load sink (recordingId `bench-<call>` says which call), answers re-INVITEs for
 * pause and resume (RFC 7866 §8.1.2: a=inactive is answered a=inactive, a=sendonly a=recvonly),
 * and answers in-dialog OPTIONS (the engine's recorder watch probes with them every 2 s) and BYE.
 * It records nothing: the sink counts and times the streams. Receiver reports come from the sink.
 */
export class RecorderStub {
  /** When each call's a=inactive re-INVITE arrived (performance.now(), ms), for the pause bench. */
  readonly inactiveAt = new Map<number, number>();
  readonly sendonlyAt = new Map<number, number>();
  /**
   * Per call, the SDES master key + salt (hex) the engine offered for each recording stream, in
   * m-line order: what it encrypts that stream's copies with (RFC 4568 §6.1), for the sink.
   */
  readonly engineKeys = new Map<number, string[]>();
  private readonly callOf = new Map<string, number>();
  invites = 0;

  readonly ua = new UserAgentCore({
    delegate: {
      handlers: {
        INVITE: (request) => this.invite(request),
        BYE: (request) => void request.reply(200),
      },
      // Every request of the engine is answered, whether or not this stub kept the dialog.
      isDialogRequired: () => false,
      onError: () => undefined,
    },
  });

  private constructor(
    private readonly loadBase: number,
    private readonly rtcpMux: boolean,
  ) {}

  /**
   * `loadBase`: the load sink's port block, where each call's recorder streams go; `rtcpMux`:
   * accept the engine's a=rtcp-mux (RFC 5761), as the lab recorder does.
   */
  static async start(loadBase: number = PORTS.loadBase, rtcpMux = false): Promise<RecorderStub> {
    const stub = new RecorderStub(loadBase, rtcpMux);
    await stub.ua.addTransport(new UdpTransport({ host: HOST, port: PORTS.recorderSip }));
    return stub;
  }

  get uri(): string {
    return `sip:srs@${HOST}:${PORTS.recorderSip}`;
  }

  private invite(request: IncomingRequest): void {
    const message = request.message;
    const callId = message.headers.get("Call-ID") ?? "";
    const body = message.body.toString("utf8");
    let call = this.callOf.get(callId);
    if (call === undefined) {
      const match = /recordingid>bench-(\d+)</i.exec(body);
      if (match === null) {
        request.reply(488, { reason: "Not a bench recording" });
        return;
      }
      call = Number(match[1]);
      this.callOf.set(callId, call);
      this.invites++;
    }
    const now = performance.now();
    const inactive = /a=inactive/.test(body);
    if (inactive) this.inactiveAt.set(call, now);
    else this.sendonlyAt.set(call, now);
    const { sinkA, sinkB } = callPorts(call, this.loadBase);
    const direction = inactive ? "inactive" : "recvonly";
    // SRTP offered (--srtp): each m-line's crypto answered with the same tag and suite and a key
    // of ours (RFC 4568 §7.1.2), so the engine encrypts; the sink counts by the clear RTP headers.
    const offered = body.split(/^m=/m).slice(1);
    const crypto = offered.map((section) => /^a=crypto:(\d+) (\S+) /m.exec(section));
    const keys = offered.map((section) => /^a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)/m.exec(section)?.[1]);
    if (keys.every((key) => key !== undefined))
      this.engineKeys.set(
        call,
        keys.map((key) => Buffer.from(key, "base64").toString("hex")),
      );
    // RFC 5761 §5.1.1: the SRC offers a=rtcp-mux on its send-only streams; answered, each stream
    // holds one port at the engine (and the sink's receiver reports go to its RTP port).
    const mux = offered.map((section) => this.rtcpMux && /^a=rtcp-mux\s*$/m.test(section));
    // The SRC offers one m-line per recorded stream (RFC 7866 §8.1.1); the answer keeps their order.
    const sdp = [
      "v=0",
      `o=srs ${call} ${Math.floor(now)} IN IP4 ${HOST}`,
      "s=bench recorder",
      `c=IN IP4 ${HOST}`,
      "t=0 0",
      ...[sinkA, sinkB].flatMap((port, i) => {
        const offer = crypto[i];
        const muxed = mux[i] === true ? ["a=rtcp-mux"] : [];
        if (offer === null || offer === undefined)
          return [`m=audio ${port} RTP/AVP 0`, "a=rtpmap:0 PCMU/8000", ...muxed, `a=${direction}`];
        const keyLength = offer[2]!.startsWith("AEAD_AES_128_GCM") ? 28 : 30;
        return [
          `m=audio ${port} RTP/SAVP 0`,
          "a=rtpmap:0 PCMU/8000",
          `a=crypto:${offer[1]} ${offer[2]} inline:${randomBytes(keyLength).toString("base64")}`,
          ...muxed,
          `a=${direction}`,
        ];
      }),
      "",
    ].join("\r\n");
    request.reply(200, {
      headers: { Contact: `<sip:srs@${HOST}:${PORTS.recorderSip}>` },
      body: sdp,
      contentType: "application/sdp",
    });
  }

  close(): Promise<void> {
    return this.ua.close();
  }
}
