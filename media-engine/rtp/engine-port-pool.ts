import { PortPool, PortPoolExhaustedError, type AllocatedPorts } from "../../common/rtp-port-pool";

/** Why a port was refused: the SIP reason phrase of the 503 that refuses the leg says it. */
export class EnginePortsExhaustedError extends PortPoolExhaustedError {
  constructor(
    min: number,
    max: number,
    /** The SIP reason phrase (RFC 3261 §7.2) the leg is refused with. */
    readonly reason: string,
  ) {
    super(min, max);
    this.message = `${this.message}: ${reason}`;
  }
}

/** A browser leg's ICE port, taken from the pool; `release` gives it back (idempotent). */
export interface WebRtcPort {
  readonly port: number;
  release(): void;
}

/** Ports kept for WebRTC legs while plain RTP has taken everything else: 1 % of the range, 2 to 100. */
export function defaultWebRtcFloor(capacity: number): number {
  if (!Number.isFinite(capacity)) return 0;
  return Math.min(100, Math.max(2, Math.floor(capacity / 100)));
}

/**
 * The media engine's one RTP port range, which plain-RTP streams (legs and recording streams) and
 * browsers' ICE sockets both draw from — instead of a fixed share for each (formerly three
 * quarters and one quarter), which left a quarter of the ports idle on an engine that carries no
 * browser leg, and refused browsers once their quarter was full while plain ports were free.
 *
 * The one rule: plain RTP may not take the last `webRtcFloor` free ports. It only binds while the
 * range is nearly full (plain RTP has taken all but the floor): then agents on browsers can still
 * be answered. A WebRTC leg may take any free port, so the floor costs plain RTP nothing until the
 * range is full, and browsers may use as much of the range as they need. Each
 * way of running out is refused with its own reason phrase (EnginePortsExhaustedError.reason).
 */
export class EnginePortPool extends PortPool {
  readonly webRtcFloor: number;

  constructor(
    private readonly low: number,
    private readonly high: number,
    options: { webRtcFloor?: number } = {},
  ) {
    super(low, high);
    this.webRtcFloor = options.webRtcFloor ?? defaultWebRtcFloor(this.capacity);
  }

  /** Ports free now (the floor included). */
  get freePorts(): number {
    return this.capacity - this.inUse;
  }

  override allocate(bindHost: string, rtcpMux: boolean): Promise<AllocatedPorts> {
    const needed = rtcpMux ? 1 : 2;
    if (this.freePorts - needed < this.webRtcFloor) {
      // Checked and taken in the same tick (PortPool marks its ports before its first await), so
      // concurrent allocations cannot all pass the check.
      return Promise.reject(this.exhausted());
    }
    return super.allocate(bindHost, rtcpMux).catch((error: unknown) => {
      throw error instanceof PortPoolExhaustedError ? this.exhausted() : error;
    });
  }

  /** The RTCP port of a muxed stream, wanted again (a recorder that does not mux): the floor holds. */
  override reserve(bindHost: string, port: number): ReturnType<PortPool["reserve"]> {
    if (this.freePorts - 1 < this.webRtcFloor) return Promise.resolve(undefined);
    return super.reserve(bindHost, port);
  }

  /**
   * One port for a browser leg's ICE socket (werift binds it itself: RFC 8843/8858 bundle and
   * rtcp-mux put everything on it). The probe socket is closed at once and the port stays taken
   * until `release`, so no other stream of this engine can get it in between.
   */
  async allocateWebRtc(bindHost: string): Promise<WebRtcPort> {
    let allocated: AllocatedPorts;
    try {
      allocated = await super.allocate(bindHost, true);
    } catch (error) {
      if (error instanceof PortPoolExhaustedError)
        throw new EnginePortsExhaustedError(
          this.low,
          this.high,
          `No RTP ports left for a WebRTC leg (all ${this.capacity} in use)`,
        );
      throw error;
    }
    const { port, rtp } = allocated;
    await new Promise<void>((resolve) => rtp.close(() => resolve()));
    let released = false;
    return {
      port,
      release: () => {
        if (released) return;
        released = true;
        this.release(port, false);
      },
    };
  }

  private exhausted(): EnginePortsExhaustedError {
    return new EnginePortsExhaustedError(
      this.low,
      this.high,
      this.webRtcFloor > 0
        ? `No RTP ports left (${this.inUse} of ${this.capacity} in use, the last ${this.webRtcFloor} kept for WebRTC legs)`
        : `No RTP ports left (${this.inUse} of ${this.capacity} in use)`,
    );
  }
}
