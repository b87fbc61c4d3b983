import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket, type RTCRtpTransceiver } from "werift";
import { waitFor } from "../../../common/test-support/waiting";

export type BrowserCodec = "opus" | "PCMU" | "PCMA" | "telephone-event";

const CODECS: Record<BrowserCodec, () => RTCRtpCodecParameters> = {
  opus: () =>
    new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: 111 }),
  PCMU: () =>
    new RTCRtpCodecParameters({ mimeType: "audio/PCMU", clockRate: 8000, channels: 1, payloadType: 0 }),
  PCMA: () =>
    new RTCRtpCodecParameters({ mimeType: "audio/PCMA", clockRate: 8000, channels: 1, payloadType: 8 }),
  "telephone-event": () =>
    new RTCRtpCodecParameters({
      mimeType: "audio/telephone-event",
      clockRate: 8000,
      channels: 1,
      payloadType: 126,
    }),
};

/**
 * A second werift peer standing in for Chrome: it offers, gathers its host candidate on
 * 127.0.0.1 before the offer leaves (as JsSIP waits for gathering), and records what it receives.
 */
export class BrowserPeer {
  readonly received: RtpPacket[] = [];
  readonly transceiver: RTCRtpTransceiver;

  private constructor(readonly pc: RTCPeerConnection) {
    this.transceiver = pc.addTransceiver("audio", { direction: "sendrecv" });
    pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => {
        this.received.push(rtp.clone());
      });
    });
  }

  static create(codecs: BrowserCodec[] = ["PCMU", "PCMA", "telephone-event"]): BrowserPeer {
    return new BrowserPeer(
      new RTCPeerConnection({
        codecs: { audio: codecs.map((name) => CODECS[name]()), video: [] },
        iceServers: [],
        iceUseIpv4: false,
        iceUseIpv6: false,
        iceAdditionalHostAddresses: ["127.0.0.1"],
        iceInterfaceAddresses: { udp4: "127.0.0.1" },
      }),
    );
  }

  async createOffer(options: { iceRestart?: boolean } = {}): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer(options));
    await new Promise<void>((resolve) => {
      if (this.pc.iceGatheringState === "complete") return resolve();
      this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === "complete") resolve();
      });
    });
    return this.pc.localDescription!.sdp;
  }

  async setAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "answer", sdp });
  }

  async connected(timeoutMs = 10_000): Promise<void> {
    const dtls = (): string | undefined => this.transceiver.sender.dtlsTransport?.state;
    await waitFor(
      () => this.pc.connectionState === "connected" && dtls() === "connected",
      timeoutMs,
      () => `the browser peer to connect (${this.pc.connectionState})`,
      10,
    );
  }

  /** Through werift's sender, as a browser's encoder would: its own SSRC and negotiated payload type. */
  send(packet: Buffer): Promise<void> {
    return this.transceiver.sender.sendRtp(packet);
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}
