import { randomUUID } from "node:crypto";
import {
  MSML_CONTENT_TYPE,
  PREFER_CODEC_HEADER,
  SERVER_BOOT_HEADER,
  ENGINE_BOOT_HEADER,
  parseMsml,
  serializeMsmlRequest,
  type MsmlRequestItem,
  type MsmlResult,
} from "../../../protocol/msml";
import { MEDIA_ENCRYPTION_HEADER, type MediaEncryptionPolicy } from "../../../protocol/msml/engine-contract";
import type { SipResponse } from "../../../protocol/sip";
import { Dialog, tagOf, type UserAgentCore } from "../../../sip-core";
import {
  MediaEngineWatch,
  type EngineHealth,
  type EngineLoss,
  type MediaEngineWatchOptions,
} from "./media-engine-watch";
import { signOutOfDialog } from "./sign-out-of-dialog";

export type { EngineHealth, EngineLoss } from "./media-engine-watch";

export class MediaEngineError extends Error {
  override readonly name = "MediaEngineError";
  constructor(
    /** For logs and the history: may name engines and their addresses. */
    message: string,
    /** SIP status to give the party whose call could not be anchored. */
    readonly status: number,
    /**
     * The reason phrase the party is given: never an internal address or URI (issue 15: a
     * caller was told "media engine sip:127.0.0.1:5520: UDP send failed").
     */
    readonly publicReason: string = status === 503 ? "Service Unavailable" : "Server Internal Error",
  ) {
    super(message);
  }
}

/** One leg of a call anchored on a media engine: a SIP dialog whose far end is a media endpoint. */
export interface MediaLegHandle {
  readonly engineUri: string;
  readonly dialog: Dialog;
  /** MSML connection id, `conn:` + the media engine's tag (RFC 5707 §5.1). */
  readonly connId: string;
  /** The engine instance (boot id) that holds the leg; a restart loses it. */
  readonly engineBoot: string | undefined;
  /** The media engine's SDP: what the party must send to. */
  answer: Buffer;
  closed: boolean;
}

export interface MediaEnginePoolOptions extends MediaEngineWatchOptions {
  /** Contact of the legs' dialogs. */
  contact: string;
}

/**
 * The SIP Server's media engines (MEDIA_ENGINE_URI) as its calls use them: a new leg on the
 * least loaded healthy engine (health kept by MediaEngineWatch), new SDP and MSML by INFO in the
 * leg's dialog, BYE to close it.
 */
export class MediaEnginePool {
  /** This server instance, told to every engine so it can release legs of a server that died. */
  readonly serverBoot = randomUUID();
  private readonly watch: MediaEngineWatch;

  constructor(
    private readonly ua: UserAgentCore,
    uris: readonly string[],
    private readonly options: MediaEnginePoolOptions,
  ) {
    this.watch = new MediaEngineWatch(ua, uris, { ...options, serverBoot: this.serverBoot });
  }

  /** Missed keep-alives not counted because this process was stalled when their deadline came. */
  get ownStalls(): number {
    return this.watch.ownStalls;
  }

  /** Starts the keep-alives and heartbeats (MediaEngineWatch.start). */
  start(): void {
    this.watch.start();
  }

  stop(): void {
    this.watch.stop();
  }

  status(): { uri: string; healthy: boolean; openLegs: number; lastError?: string }[] {
    return this.watch.status();
  }

  /** Milliseconds since an engine's last heartbeat pong; undefined while it has answered none. */
  heartbeatSilence(uri: string): number | undefined {
    return this.watch.heartbeatSilence(uri);
  }

  /** Told when an engine stops answering its checks, and once when it answers again. */
  onHealth(listener: (status: EngineHealth) => void): void {
    this.watch.onHealth(listener);
  }

  /** Told once per incident: an engine restarted or stopped answering, and its legs are gone. */
  onEngineLost(listener: (loss: EngineLoss) => void): void {
    this.watch.onEngineLost(listener);
  }

  checkAll(): Promise<void> {
    return this.watch.checkAll();
  }

  /**
   * Opens a leg with the party's SDP offer; the media engine answers with its own SDP for the
   * party. Tries the next engine when one fails to answer.
   */
  async openLeg(
    offer: Buffer,
    options: {
      callId: string;
      preferCodec?: string;
      /** SRTP policy of the party's DN (X-Forkline-Media-Encryption); the engine's default when absent. */
      encryption?: MediaEncryptionPolicy;
      /**
       * The engine that must take the leg: the one holding the leg it will be joined with. MSML
       * joins connections of one media server (RFC 5707 §7.6: "id1 ... id2 ... identify the
       * objects to join"); a leg on another engine could never be bridged.
       */
      beside?: MediaLegHandle;
    },
  ): Promise<MediaLegHandle> {
    const tried = new Set<string>(
      options.beside === undefined
        ? []
        : this.watch.uris().filter((uri) => uri !== options.beside!.engineUri),
    );
    let lastError: MediaEngineError | undefined;
    let rechecked = false;
    for (;;) {
      let engine = this.watch.pick(tried);
      if (engine === undefined && !rechecked && (tried.size === 0 || options.beside !== undefined)) {
        // All marked down: check again now rather than refuse calls until the next periodic check.
        rechecked = true;
        await this.watch.checkAll();
        engine = this.watch.pick(tried);
      }
      if (engine === undefined) throw lastError ?? new MediaEngineError("no media engine is available", 503);
      tried.add(engine.uri);
      const invite = signOutOfDialog(
        this.ua.createRequest("INVITE", engine.uri, {
          from: this.options.from,
          to: `<${engine.uri}>`,
          callId: `${options.callId}-${tried.size}-${Math.random().toString(36).slice(2, 8)}`,
          contact: this.options.contact,
          body: offer,
          contentType: "application/sdp",
          headers: {
            [SERVER_BOOT_HEADER]: this.serverBoot,
            ...(options.preferCodec === undefined ? {} : { [PREFER_CODEC_HEADER]: options.preferCodec }),
            ...(options.encryption === undefined ? {} : { [MEDIA_ENCRYPTION_HEADER]: options.encryption }),
          },
        }),
        this.options.secret,
      );
      this.watch.legOpened(engine);
      let response: SipResponse;
      try {
        response = await this.ua.send(invite, { destination: engine.destination });
      } catch (error) {
        this.watch.legNotOpened(engine);
        this.watch.setHealth(engine, false, (error as Error).message);
        lastError = new MediaEngineError(`media engine ${engine.uri}: ${(error as Error).message}`, 503);
        continue;
      }
      if (response.status !== 200) {
        this.watch.legNotOpened(engine);
        // 488 (no common codec) is about the call, not the engine: another engine would say the same.
        const error = new MediaEngineError(
          `media engine ${engine.uri}: ${response.status} ${response.reason}`,
          response.status,
          // The engine's own phrase is about the caller's offer (e.g. "No common codec").
          response.status === 488 || response.status === 400 || response.status === 415
            ? response.reason
            : undefined,
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
      this.watch.sawBoot(engine, response.headers.get(ENGINE_BOOT_HEADER));
      return {
        engineUri: engine.uri,
        engineBoot: engine.bootId,
        dialog,
        connId: `conn:${tag}`,
        answer: response.body,
        closed: false,
      };
    }
  }

  /**
   * A leg a previous run of this server opened (an adopted call): its dialog takes the engine's
   * in-dialog requests again, it counts towards the engine's load, and the engine instance it was
   * on is remembered, so an answer from another instance (the engine restarted meanwhile)
   * declares it lost like any other. False when its engine is no longer configured here.
   */
  adoptLeg(leg: MediaLegHandle): boolean {
    if (!this.watch.adoptLeg(leg.engineUri, leg.engineBoot)) return false;
    this.ua.registerDialog(leg.dialog);
    return true;
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
    this.watch.legClosed(leg.engineUri);
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
