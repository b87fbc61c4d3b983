import {
  MSML_CONTENT_TYPE,
  parseMsml,
  serializeMsmlRequest,
  type MsmlRequestItem,
  type MsmlResult,
} from "../../../protocol/msml";
import { parseSipUri, type SipResponse } from "../../../protocol/sip";
import { Dialog, tagOf, uriDestination, type SipAddress, type UserAgentCore } from "../../../sip-core";

/** Same header names as media-engine/control (the two processes share no code at runtime). */
const LOAD_HEADER = "X-Forkline-Load";
const PREFER_CODEC_HEADER = "X-Forkline-Codec";

export class MediaEngineError extends Error {
  override readonly name = "MediaEngineError";
  constructor(
    message: string,
    /** SIP status to give the party whose call could not be anchored. */
    readonly status: number,
  ) {
    super(message);
  }
}

interface EngineState {
  readonly uri: string;
  readonly destination: SipAddress;
  healthy: boolean;
  /** Legs this server holds open on the engine, plus the engine's own figure from OPTIONS. */
  openLegs: number;
  reportedLegs: number;
  lastCheck?: Date;
  lastError?: string;
  failuresInARow?: number;
}

/** One leg of a call anchored on a media engine: a SIP dialog whose far end is a media endpoint. */
export interface MediaLegHandle {
  readonly engineUri: string;
  readonly dialog: Dialog;
  /** MSML connection id, `conn:` + the media engine's tag (RFC 5707 §5.1). */
  readonly connId: string;
  /** The media engine's SDP: what the party must send to. */
  answer: Buffer;
  closed: boolean;
}

/**
 * The SIP Server's view of its media engines (MEDIA_ENGINE_URI): health from periodic OPTIONS,
 * new legs on the least loaded healthy engine, MSML by INFO in the leg's dialog.
 */
export type EngineHealth = { uri: string; healthy: boolean; failuresInARow: number; error?: string };

export class MediaEnginePool {
  private readonly engines: EngineState[];
  private timer: NodeJS.Timeout | undefined;
  private readonly healthListeners: ((status: EngineHealth) => void)[] = [];

  constructor(
    private readonly ua: UserAgentCore,
    uris: readonly string[],
    private readonly options: { from: string; contact: string; checkIntervalMs?: number },
  ) {
    this.engines = uris.map((uri) => ({
      uri,
      destination: uriDestination(parseSipUri(uri)),
      healthy: true,
      openLegs: 0,
      reportedLegs: 0,
    }));
  }

  start(): void {
    void this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.checkIntervalMs ?? 5_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  status(): { uri: string; healthy: boolean; openLegs: number; lastError?: string }[] {
    return this.engines.map(({ uri, healthy, openLegs, lastError }) => ({
      uri,
      healthy,
      openLegs,
      ...(lastError === undefined ? {} : { lastError }),
    }));
  }

  /**
   * Told after every check that finds an engine not answering, and once when it answers again:
   * the operator's alarm, since calls quietly go to the other engines meanwhile.
   */
  onHealth(listener: (status: EngineHealth) => void): void {
    this.healthListeners.push(listener);
  }

  private setHealth(engine: EngineState, healthy: boolean, error?: string): void {
    const was = engine.healthy;
    engine.healthy = healthy;
    if (error === undefined) delete engine.lastError;
    else engine.lastError = error;
    engine.failuresInARow = healthy ? 0 : (engine.failuresInARow ?? 0) + 1;
    if (healthy && was) return;
    for (const listener of this.healthListeners)
      listener({
        uri: engine.uri,
        healthy,
        failuresInARow: engine.failuresInARow,
        ...(error === undefined ? {} : { error }),
      });
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.engines.map((engine) => this.check(engine)));
  }

  private async check(engine: EngineState): Promise<void> {
    const request = this.ua.createRequest("OPTIONS", engine.uri, {
      from: this.options.from,
      to: `<${engine.uri}>`,
    });
    try {
      const response = await this.ua.send(request, { destination: engine.destination });
      if (response.status === 200) this.setHealth(engine, true);
      else this.setHealth(engine, false, `${response.status} ${response.reason}`);
      const legs = /legs=(\d+)/.exec(response.headers.get(LOAD_HEADER) ?? "")?.[1];
      if (legs !== undefined) engine.reportedLegs = Number(legs);
    } catch (error) {
      this.setHealth(engine, false, (error as Error).message);
    }
    engine.lastCheck = new Date();
  }

  private pick(exclude: ReadonlySet<string>): EngineState | undefined {
    return this.engines
      .filter((engine) => engine.healthy && !exclude.has(engine.uri))
      .sort((a, b) => Math.max(a.openLegs, a.reportedLegs) - Math.max(b.openLegs, b.reportedLegs))[0];
  }

  /**
   * Opens a leg with the party's SDP offer; the media engine answers with its own SDP for the
   * party. Tries the next engine when one fails to answer.
   */
  async openLeg(offer: Buffer, options: { callId: string; preferCodec?: string }): Promise<MediaLegHandle> {
    const tried = new Set<string>();
    let lastError: MediaEngineError | undefined;
    let rechecked = false;
    for (;;) {
      let engine = this.pick(tried);
      if (engine === undefined && !rechecked && tried.size === 0) {
        // All marked down: check again now rather than refuse calls until the next periodic check.
        rechecked = true;
        await this.checkAll();
        engine = this.pick(tried);
      }
      if (engine === undefined) throw lastError ?? new MediaEngineError("no media engine is available", 503);
      tried.add(engine.uri);
      const invite = this.ua.createRequest("INVITE", engine.uri, {
        from: this.options.from,
        to: `<${engine.uri}>`,
        callId: `${options.callId}-${tried.size}-${Math.random().toString(36).slice(2, 8)}`,
        contact: this.options.contact,
        body: offer,
        contentType: "application/sdp",
        headers: options.preferCodec === undefined ? {} : { [PREFER_CODEC_HEADER]: options.preferCodec },
      });
      engine.openLegs++;
      let response: SipResponse;
      try {
        response = await this.ua.send(invite, { destination: engine.destination });
      } catch (error) {
        engine.openLegs--;
        this.setHealth(engine, false, (error as Error).message);
        lastError = new MediaEngineError(`media engine ${engine.uri}: ${(error as Error).message}`, 503);
        continue;
      }
      if (response.status !== 200) {
        engine.openLegs--;
        // 488 (no common codec) is about the call, not the engine: another engine would say the same.
        const error = new MediaEngineError(
          `media engine ${engine.uri}: ${response.status} ${response.reason}`,
          response.status,
        );
        if (response.status === 488 || response.status === 400 || response.status === 415) throw error;
        lastError = error;
        continue;
      }
      const dialog = Dialog.createAsUac(invite, response);
      dialog.flow = engine.destination;
      this.ua.registerDialog(dialog);
      await this.ua.ack(dialog, response, { destination: engine.destination });
      const tag = tagOf(response.headers.get("To") ?? "");
      return { engineUri: engine.uri, dialog, connId: `conn:${tag}`, answer: response.body, closed: false };
    }
  }

  /** New SDP for a leg (hold, resume, new address): a re-INVITE in its dialog; returns the engine's answer. */
  async updateLeg(leg: MediaLegHandle, offer: Buffer): Promise<Buffer> {
    const reinvite = leg.dialog.createRequest("INVITE", {
      body: offer,
      contentType: "application/sdp",
      headers: { Contact: this.options.contact },
    });
    const response = await this.ua.sendInDialog(leg.dialog, reinvite);
    if (response.status !== 200) {
      throw new MediaEngineError(
        `media engine refused the new SDP: ${response.status} ${response.reason}`,
        response.status === 488 ? 488 : 500,
      );
    }
    await this.ua.ack(leg.dialog, response);
    leg.answer = response.body;
    return response.body;
  }

  /** Sends MSML in the dialog of `leg` (RFC 5707 §4) and returns the media engine's <result>. */
  async msml(leg: MediaLegHandle, items: MsmlRequestItem[]): Promise<MsmlResult> {
    const info = leg.dialog.createRequest("INFO", {
      body: Buffer.from(serializeMsmlRequest({ version: "1.1", items }), "utf8"),
      contentType: MSML_CONTENT_TYPE,
    });
    const response = await this.ua.sendInDialog(leg.dialog, info);
    if (response.status !== 200)
      throw new MediaEngineError(`MSML INFO answered ${response.status} ${response.reason}`, 500);
    const document = parseMsml(response.body);
    if (document.type !== "result")
      throw new MediaEngineError(`MSML INFO answered with <${document.type}>`, 500);
    return document;
  }

  async join(a: MediaLegHandle, b: MediaLegHandle): Promise<void> {
    const result = await this.msml(a, [{ kind: "join", id1: a.connId, id2: b.connId, streams: [] }]);
    if (result.response !== 200) {
      throw new MediaEngineError(
        `join refused: ${result.response} ${result.description ?? ""}`.trim(),
        result.response === 450 ? 488 : 500,
      );
    }
  }

  /** Idempotent: BYE once; a media engine that is gone already is not an error for the call. */
  async closeLeg(leg: MediaLegHandle): Promise<void> {
    if (leg.closed) return;
    leg.closed = true;
    const engine = this.engines.find((e) => e.uri === leg.engineUri);
    if (engine !== undefined) engine.openLegs = Math.max(0, engine.openLegs - 1);
    const bye = leg.dialog.createRequest("BYE");
    this.ua.forgetDialog(leg.dialog);
    try {
      await this.ua.sendInDialog(leg.dialog, bye);
    } catch {
      // The engine restarted or the leg timed out there: nothing is left to release.
    }
    leg.dialog.terminate();
  }

  /** The leg whose media engine dialog matches, for BYEs the media engine sends (RTP timeout). */
  static connIdOf(dialog: Dialog): string {
    return `conn:${dialog.id.remoteTag}`;
  }
}
