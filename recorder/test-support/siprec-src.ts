import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { parseRtcpCompound, type RtcpPacket, serializeRtpPacket } from "../../protocol/rtp";
import { parseSdp, serializeSdp, type SdpDirection, type SessionDescription } from "../../protocol/sdp";
import type { RecordingMetadata } from "../../protocol/siprec";
import type { SipRequest } from "../../protocol/sip";
import { Dialog, UdpTransport, UserAgentCore } from "../../sip-core";
import { type FixtureStream, offerSdp, siprecBody } from "./siprec-fixtures";

/** Binds a UDP socket on 127.0.0.1:`port` (tests pass fixed ports of their own range). */
export async function bindUdp(port: number): Promise<Socket> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return socket;
}

export function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/** A G.711 µ-law RTP packet of 20 ms (160 bytes of digital silence unless `payload` says otherwise). */
export function rtpPacket(sequenceNumber: number, timestamp: number, ssrc: number, payload?: Buffer): Buffer {
  return serializeRtpPacket({
    marker: false,
    payloadType: 0,
    sequenceNumber: sequenceNumber & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc,
    csrcs: [],
    extension: false,
    payload: payload ?? Buffer.alloc(160, 0xff),
  });
}

export interface ReceivedRtcp {
  readonly packets: RtcpPacket[];
  readonly from: RemoteInfo;
  readonly at: number;
}

/** Every RTCP compound packet `socket` receives, parsed, in arrival order. */
export function collectRtcp(socket: Socket): ReceivedRtcp[] {
  const received: ReceivedRtcp[] = [];
  socket.on("message", (datagram: Buffer, from: RemoteInfo) => {
    received.push({ packets: parseRtcpCompound(datagram), from, at: performance.now() });
  });
  return received;
}

export interface SrcRecording {
  readonly dialog: Dialog;
  readonly invite: SipRequest;
  readonly answer: SessionDescription;
  /** The recorder's RTP port per m-line. */
  readonly ports: number[];
  /** Sends a re-INVITE with the streams in `direction` and ACKs its 2xx; returns the status. */
  reoffer(direction: SdpDirection): Promise<number>;
  bye(): Promise<number>;
}

/**
 * A SIPREC client (SRC) for tests: a real SIP UA on a fixed UDP port that opens recording
 * sessions on a recorder with an INVITE (Require: siprec, +sip.src, SDP + RFC 7865 metadata).
 */
export class TestSrc {
  private constructor(
    readonly ua: UserAgentCore,
    readonly port: number,
    /** Call-IDs of the BYEs the recorder sent, in arrival order. */
    readonly byes: string[],
  ) {}

  static async start(port: number): Promise<TestSrc> {
    const byes: string[] = [];
    const ua = new UserAgentCore({
      delegate: {
        handlers: {
          BYE: (request) => {
            byes.push(request.message.headers.get("Call-ID") ?? "");
            request.reply(200);
          },
        },
        onError: () => undefined,
      },
    });
    await ua.addTransport(new UdpTransport({ host: "127.0.0.1", port }));
    return new TestSrc(ua, port, byes);
  }

  close(): Promise<void> {
    return this.ua.close();
  }

  /**
   * Opens a recording session. `edit` may change the offer (add a=rtcp, …) before it is sent.
   * With `ack: false` the 200 is never acknowledged.
   */
  async record(
    recorderSipPort: number,
    streams: readonly FixtureStream[],
    metadata: RecordingMetadata,
    options: { edit?: (sdp: SessionDescription) => void; ack?: boolean } = {},
  ): Promise<SrcRecording> {
    const target = `sip:recorder@127.0.0.1:${recorderSipPort}`;
    let version = 1;
    const sdpFor = (direction: SdpDirection) => {
      const sdp = offerSdp(streams, direction, version++);
      options.edit?.(sdp);
      return sdp;
    };
    const { body, contentType } = siprecBody(sdpFor("sendonly"), metadata);
    const invite = this.ua.createRequest("INVITE", target, {
      from: "<sip:src@127.0.0.1>",
      to: `<${target}>`,
      contact: `<sip:src@127.0.0.1:${this.port}>;+sip.src`,
      headers: { Require: "siprec" },
      body,
      contentType,
    });
    const response = await this.ua.send(invite);
    if (response.status !== 200)
      throw new Error(`the recorder answered ${response.status} ${response.reason}`);
    const dialog = Dialog.createAsUac(invite, response);
    // So that the recorder's BYE finds its dialog here (else the UA answers 481 by itself).
    this.ua.registerDialog(dialog);
    if (options.ack ?? true) await this.ua.ack(dialog, response);
    const answer = parseSdp(response.body);
    const ua = this.ua;
    return {
      dialog,
      invite,
      answer,
      ports: answer.media.map((m) => m.port),
      async reoffer(direction) {
        const request = dialog.createRequest("INVITE", {
          body: Buffer.from(serializeSdp(sdpFor(direction))),
          contentType: "application/sdp",
        });
        const answered = await ua.sendInDialog(dialog, request);
        if (answered.status === 200) await ua.ack(dialog, answered);
        return answered.status;
      },
      async bye() {
        return (await ua.sendInDialog(dialog, dialog.createRequest("BYE"))).status;
      },
    };
  }
}
