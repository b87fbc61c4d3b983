import dgram from "node:dgram";
import net from "node:net";
import {
  ENGINE_BOOT_HEADER,
  HEARTBEAT_PORT_HEADER,
  LOAD_HEADER,
  OWNED_LEGS_HEADER,
  SERVER_BOOT_HEADER,
} from "../../../protocol/msml";
import { parseSipUri } from "../../../protocol/sip";
import { uriDestination, type SipAddress, type UserAgentCore } from "../../../sip-core";
import { EngineHeartbeat } from "./engine-heartbeat";
import { signOutOfDialog } from "./sign-out-of-dialog";
import { judgedInterval, judgedTimeout, LATE_TIMER_MS } from "../../../common/judged-timer";

/** One configured media engine: its health, its load and the evidence about its legs. */
export interface EngineState {
  readonly uri: string;
  readonly destination: SipAddress;
  healthy: boolean;
  /** Legs this server holds open on the engine, plus the engine's own figure from OPTIONS. */
  openLegs: number;
  reportedLegs: number;
  lastCheck?: Date;
  lastError?: string;
  failuresInARow?: number;
  /** Failures in a row that count towards declaring the legs lost (see `failed`). */
  evidenceInARow?: number;
  /** ICMP port unreachable answers in a row: nothing listens there any more. */
  refusedInARow?: number;
  /** This incident's loss was told already (reset when the engine answers again). */
  declaredLost?: boolean;
  /** What the last failed check was, to decide whether to check again at once. */
  lastFailure?: "refused" | "missed" | "own-stall" | "error";
  /** The engine instance's boot id (ENGINE_BOOT_HEADER) from its last answer. */
  bootId?: string;
  /** When the current instance last answered: media flowed until at least then. */
  lastAliveAt?: Date;
  checking: boolean;
  /** Whether our OPTIONS has told this engine which legs we own (once per server instance). */
  toldOwnedLegs: boolean;
  /** Since when legs of calls taken up after a restart are on it: it may be declared lost unseen. */
  adoptedAt?: Date;
  /**
   * A UDP socket connected to the engine's SIP address, sending an RFC 5626 CRLF keep-alive with
   * each check: only a connected socket hears ICMP port unreachable (ECONNREFUSED), which says
   * at once that no process listens there any more — a killed engine is known dead in
   * milliseconds, not after keep-alive deadlines.
   */
  probe?: dgram.Socket;
  /** Called when the probe hears ECONNREFUSED (set while a check is out). */
  onRefused?: () => void;
  /** The engine's heartbeat (worker-thread pings), once an OPTIONS answer named its port. */
  heartbeat?: EngineHeartbeat;
}

/**
 * A media engine whose legs are gone: it restarted (a new boot id) or stopped answering
 * keep-alives. Every leg on `bootId` (or on the engine at all, when unanswered) is lost.
 */
export interface EngineLoss {
  readonly uri: string;
  readonly cause: "restarted" | "unanswered";
  /** The instance whose legs are gone (undefined when it never answered). */
  readonly bootId: string | undefined;
  /** When that instance last answered: the end of media on its legs, as far as we know. */
  readonly lastAliveAt: Date | undefined;
  readonly detail: string;
}

/** An engine's health as the operator's alarm sees it. */
export type EngineHealth = { uri: string; healthy: boolean; failuresInARow: number; error?: string };

/** A pong saying the main thread ran this recently means media is flowing. */
const MAIN_THREAD_RUNNING_MS = 1_000;

export interface MediaEngineWatchOptions {
  /** From of the keep-alives (and of every request outside a dialog). */
  from: string;
  /** Keep-alive period per engine; an engine lost is noticed within 2 periods + 2 deadlines. */
  checkIntervalMs?: number;
  /** How long a keep-alive may wait for its answer before it counts as missed. */
  answerDeadlineMs?: number;
  /** Legs this server owns on an engine, named to it on the first keep-alive. */
  ownedLegs?: (engineUri: string) => string[];
  /** The connected-socket ICMP probe beside each keep-alive (default on; off only to measure without it). */
  icmpProbe?: boolean;
  /** How long an engine that still may be alive must stay silent before its calls are ended. */
  silenceBeforeLossMs?: number;
  /** The worker-thread heartbeat beside the keep-alive (default on; off only to measure without it). */
  heartbeat?: boolean;
  /** MEDIA_ENGINE_SECRET: requests outside a dialog are signed with it (X-Forkline-Auth). */
  secret?: string;
  /** Heartbeat ping period (engines that announce a heartbeat port). */
  heartbeatIntervalMs?: number;
  /** No pong and no OPTIONS answer this long: the engine process is stopped or gone. */
  heartbeatSilenceMs?: number;
  /** The engine's main thread has not run this long (pongs say so): it is hung. */
  hungLoopMs?: number;
}

/**
 * Watches the SIP Server's media engines (MEDIA_ENGINE_URI): keep-alive OPTIONS, the ICMP probe
 * and the heartbeat tell whether each engine can take new legs and when the legs it holds are
 * lost; the legs counted on each pick the least loaded healthy engine for a new one.
 */
export class MediaEngineWatch {
  private readonly engines: EngineState[];
  private timer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly healthListeners: ((status: EngineHealth) => void)[] = [];
  private readonly lossListeners: ((loss: EngineLoss) => void)[] = [];
  /** Missed keep-alives not counted because this process was stalled when their deadline came. */
  ownStalls = 0;

  constructor(
    private readonly ua: UserAgentCore,
    uris: readonly string[],
    private readonly options: MediaEngineWatchOptions & {
      /** This server instance (SERVER_BOOT_HEADER), named in every keep-alive. */
      serverBoot: string;
    },
  ) {
    this.engines = uris.map((uri) => ({
      uri,
      destination: uriDestination(parseSipUri(uri)),
      healthy: true,
      openLegs: 0,
      reportedLegs: 0,
      checking: false,
      toldOwnedLegs: false,
    }));
  }

  /**
   * Keep-alives: an OPTIONS to each engine every 500 ms (one in flight per engine), each
   * answered within 600 ms or missed. Two missed in a row, or an answer from a new instance,
   * mean the engine's legs are lost: within 2 s of a kill -9, whether the launcher brings the
   * engine back (new boot id) or not (missed keep-alives).
   */
  start(): void {
    if (this.options.icmpProbe !== false) for (const engine of this.engines) this.openProbe(engine);
    const tick = () => {
      for (const engine of this.engines) if (!engine.checking) void this.check(engine);
    };
    tick();
    this.timer = setInterval(tick, this.options.checkIntervalMs ?? 500);
    this.timer.unref();
    const heartbeatMs = this.options.heartbeatIntervalMs ?? 100;
    this.heartbeatTimer = judgedInterval(heartbeatMs, (late) => {
      for (const engine of this.engines) engine.heartbeat?.ping();
      // Pongs already in the socket buffer have been read; a tick of a stalled process judges
      // nothing (its own silence is no evidence).
      if (!late) for (const engine of this.engines) this.judgeHeartbeat(engine);
    });
    this.heartbeatTimer.unref();
  }

  /**
   * An engine that answered heartbeats and now answers neither them nor OPTIONS for
   * `heartbeatSilenceMs` (1.5 s) is stopped (SIGSTOP, a frozen VM), killed or cut off: its legs
   * are lost. A busy engine keeps answering heartbeats from its worker thread, so this cannot
   * end the calls of an engine that is merely slow.
   */
  private judgeHeartbeat(engine: EngineState): void {
    const heartbeat = engine.heartbeat;
    const aliveAt = engine.lastAliveAt ?? engine.adoptedAt;
    if (heartbeat?.lastPongAt === undefined || engine.declaredLost || aliveAt === undefined) return;
    const silenceMs = this.options.heartbeatSilenceMs ?? 1_500;
    const pongSilence = heartbeat.silentMs();
    if (pongSilence < silenceMs || Date.now() - aliveAt.getTime() < silenceMs) return;
    const error = `no heartbeat and no keep-alive answer for ${Math.round(pongSilence)} ms`;
    this.setHealth(engine, false, error);
    this.declareUnanswered(engine, error);
  }

  /** The engine's legs are gone: told once per incident (reset when it answers again). */
  private declareUnanswered(engine: EngineState, error: string): void {
    engine.declaredLost = true;
    this.lost(engine, {
      cause: "unanswered",
      bootId: engine.bootId,
      lastAliveAt: engine.lastAliveAt,
      detail: `media engine ${engine.uri} stopped answering (${error})`,
    });
  }

  /** An OPTIONS answer names the heartbeat port; a restarted engine may name another. */
  private aimHeartbeat(engine: EngineState, header: string | undefined): void {
    const port = Number(header);
    if (this.options.heartbeat === false) return;
    if (header === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return;
    if (engine.heartbeat?.port === port) return;
    engine.heartbeat?.close();
    engine.heartbeat = new EngineHeartbeat(engine.destination.host, port, (pong) => {
      // A pong from a main thread that is not running says the process lives, not that media flows.
      if (pong.loopAgeMs < MAIN_THREAD_RUNNING_MS) this.sawBoot(engine, pong.bootId);
    });
  }

  /** Told once per incident: an engine restarted or stopped answering, and its legs are gone. */
  onEngineLost(listener: (loss: EngineLoss) => void): void {
    this.lossListeners.push(listener);
  }

  private lost(engine: EngineState, loss: Omit<EngineLoss, "uri">): void {
    for (const listener of this.lossListeners) listener({ uri: engine.uri, ...loss });
  }

  /**
   * Every answer (OPTIONS or INVITE) names the engine instance. A new one from the same URI
   * means the old one died with every leg it held, even if no keep-alive was missed.
   */
  sawBoot(engine: EngineState, bootId: string | undefined): void {
    const previous = engine.bootId;
    const lastAliveAt = engine.lastAliveAt;
    engine.lastAliveAt = new Date();
    if (bootId === undefined || bootId === previous) return;
    engine.bootId = bootId;
    // An engine that was already declared lost (missed keep-alives) is not lost twice.
    if (previous !== undefined && !engine.declaredLost) {
      this.lost(engine, {
        cause: "restarted",
        bootId: previous,
        lastAliveAt,
        detail: `media engine ${engine.uri} restarted (boot id ${previous} → ${bootId})`,
      });
    }
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeatTimer);
    this.timer = undefined;
    this.heartbeatTimer = undefined;
    for (const engine of this.engines) {
      engine.probe?.close();
      delete engine.probe;
      engine.heartbeat?.close();
      delete engine.heartbeat;
    }
  }

  private openProbe(engine: EngineState): void {
    const { transport, host, port } = engine.destination;
    if (transport !== "UDP" || net.isIP(host) === 0) return;
    const probe = dgram.createSocket(net.isIPv6(host) ? "udp6" : "udp4");
    probe.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") engine.onRefused?.();
    });
    // Nothing is read from it: incoming datagrams are dropped by the kernel queue limits.
    probe.connect(port, host);
    probe.unref();
    engine.probe = probe;
  }

  status(): { uri: string; healthy: boolean; openLegs: number; lastError?: string }[] {
    return this.engines.map(({ uri, healthy, openLegs, lastError }) => ({
      uri,
      healthy,
      openLegs,
      ...(lastError === undefined ? {} : { lastError }),
    }));
  }

  /** Milliseconds since an engine's last heartbeat pong; undefined while it has answered none. */
  heartbeatSilence(uri: string): number | undefined {
    const heartbeat = this.engines.find((engine) => engine.uri === uri)?.heartbeat;
    return heartbeat?.lastPongAt === undefined ? undefined : heartbeat.silentMs();
  }

  /**
   * Told after every check that finds an engine not answering, and once when it answers again:
   * the operator's alarm, since calls quietly go to the other engines meanwhile.
   */
  onHealth(listener: (status: EngineHealth) => void): void {
    this.healthListeners.push(listener);
  }

  setHealth(engine: EngineState, healthy: boolean, error?: string): void {
    const was = engine.healthy;
    engine.healthy = healthy;
    if (error === undefined) delete engine.lastError;
    else engine.lastError = error;
    engine.failuresInARow = healthy ? 0 : (engine.failuresInARow ?? 0) + 1;
    if (healthy) {
      engine.evidenceInARow = 0;
      engine.refusedInARow = 0;
      engine.declaredLost = false;
    }
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
    engine.checking = true;
    const headers: Record<string, string> = { [SERVER_BOOT_HEADER]: this.options.serverBoot };
    const tellOwned = !engine.toldOwnedLegs;
    if (tellOwned) headers[OWNED_LEGS_HEADER] = (this.options.ownedLegs?.(engine.uri) ?? []).join(",");
    const request = signOutOfDialog(
      this.ua.createRequest("OPTIONS", engine.uri, {
        from: this.options.from,
        to: `<${engine.uri}>`,
        headers,
      }),
      this.options.secret,
    );
    const deadlineMs = this.options.answerDeadlineMs ?? 600;
    let timer: NodeJS.Timeout | undefined;
    let lateByMs = 0;
    const missed = new Promise<"missed" | "refused">((resolve) => {
      // When this process itself was busy (a page render, a GC), an answer that arrived in time
      // is still in the socket buffer when the timer fires: judgedTimeout reads it first.
      timer = judgedTimeout(deadlineMs, (late) => {
        lateByMs = late;
        resolve("missed");
      });
      engine.onRefused = () => resolve("refused");
    });
    if (engine.probe !== undefined) {
      try {
        engine.probe.send("\r\n\r\n");
      } catch {
        // not connected yet: this check relies on the OPTIONS alone
      }
    }
    // A late answer still tells the instance; the transaction itself ends on its own timer.
    const answered = this.ua.send(request, { destination: engine.destination });
    answered.catch(() => undefined);
    try {
      const response = await Promise.race([answered, missed]);
      if (response === "missed") {
        const ownStall = lateByMs > LATE_TIMER_MS;
        this.failed(
          engine,
          `no answer to a keep-alive in ${deadlineMs} ms` +
            (ownStall
              ? ` (this server was itself stalled ${Math.round(lateByMs)} ms; not counted as a loss)`
              : ""),
          ownStall ? "own-stall" : "missed",
        );
      } else if (response === "refused") {
        this.failed(engine, "nothing listens on its SIP port (ICMP port unreachable)", "refused");
      } else if (response.status === 200) {
        if (tellOwned) engine.toldOwnedLegs = true;
        this.sawBoot(engine, response.headers.get(ENGINE_BOOT_HEADER));
        this.aimHeartbeat(engine, response.headers.get(HEARTBEAT_PORT_HEADER));
        this.setHealth(engine, true);
      } else {
        this.failed(engine, `${response.status} ${response.reason}`);
      }
      const legs =
        typeof response === "string"
          ? undefined
          : /legs=(\d+)/.exec(response.headers.get(LOAD_HEADER) ?? "")?.[1];
      if (legs !== undefined) engine.reportedLegs = Number(legs);
    } catch (error) {
      this.failed(engine, (error as Error).message);
    } finally {
      clearTimeout(timer);
      delete engine.onRefused;
      engine.checking = false;
      engine.lastCheck = new Date();
    }
    // A miss (which already waited its deadline) or a first ICMP refusal is checked again at
    // once rather than at the next tick, until the loss is declared; a quick error answer (a
    // 503) waits for the tick, so a failing engine is never asked in a tight loop.
    const failure = (engine.failuresInARow ?? 0) > 0 ? engine.lastFailure : undefined;
    const again =
      failure === "missed" ||
      failure === "own-stall" ||
      (failure === "refused" && engine.refusedInARow === 1);
    if (
      this.timer !== undefined &&
      again &&
      !engine.declaredLost &&
      (engine.lastAliveAt ?? engine.adoptedAt) !== undefined
    )
      void this.check(engine);
  }

  /**
   * A failed check marks the engine down for new calls at once. Its legs are declared lost —
   * every call on it ended — only on evidence, since ending the calls of an engine that is fine
   * is worse than noticing a hung one a little later:
   * - ICMP port unreachable twice in a row: nothing listens any more (a killed engine; within
   *   milliseconds). A restarted one is known by its new boot id (`sawBoot`).
   * - a stopped or unreachable process: no heartbeat and no answer for 1.5 s (`judgeHeartbeat`).
   * - while the heartbeat answers: two failed checks in a row AND a main thread that has not run
   *   for `hungLoopMs` (3 s) — a busy engine answers a keep-alive a second late, a hung one never.
   * - an engine without a heartbeat: two failed checks in a row AND no answer for
   *   `silenceBeforeLossMs` (3 s).
   * A miss counted while this process was itself stalled (its deadline timer fired more than
   * LATE_TIMER_MS late) is no evidence at all.
   */
  private failed(
    engine: EngineState,
    error: string,
    kind: "refused" | "missed" | "own-stall" | "error" = "error",
  ): void {
    this.setHealth(engine, false, error);
    engine.lastFailure = kind;
    if (kind === "own-stall") {
      this.ownStalls += 1;
      return;
    }
    engine.evidenceInARow = (engine.evidenceInARow ?? 0) + 1;
    engine.refusedInARow = kind === "refused" ? (engine.refusedInARow ?? 0) + 1 : 0;
    const silentSince = engine.lastAliveAt ?? engine.adoptedAt;
    const silentMs = silentSince === undefined ? 0 : Date.now() - silentSince.getTime();
    // While the heartbeat answers, the process runs: its calls end only if its main thread is
    // hung (the pongs say for how long it has not run), never because it answered OPTIONS late.
    const heartbeat = engine.heartbeat;
    const beating =
      heartbeat !== undefined && heartbeat.silentMs() < (this.options.heartbeatSilenceMs ?? 1_500);
    const hung = beating && (heartbeat.lastPong?.loopAgeMs ?? 0) >= (this.options.hungLoopMs ?? 3_000);
    const gone =
      engine.refusedInARow >= 2 ||
      (engine.evidenceInARow >= 2 &&
        (beating ? hung : silentMs >= (this.options.silenceBeforeLossMs ?? 3_000)));
    // An engine never seen alive holds none of our legs (at start-up the launcher may still be
    // starting it): only the health alarm speaks of it.
    if (gone && !engine.declaredLost && (engine.lastAliveAt ?? engine.adoptedAt) !== undefined)
      this.declareUnanswered(engine, error);
  }

  /** The least loaded healthy engine not in `exclude`. */
  pick(exclude: ReadonlySet<string>): EngineState | undefined {
    return this.engines
      .filter((engine) => engine.healthy && !exclude.has(engine.uri))
      .sort((a, b) => Math.max(a.openLegs, a.reportedLegs) - Math.max(b.openLegs, b.reportedLegs))[0];
  }

  /** The URIs of every configured engine. */
  uris(): string[] {
    return this.engines.map((engine) => engine.uri);
  }

  /** A leg is being opened on `engine`: it counts towards its load at once. */
  legOpened(engine: EngineState): void {
    engine.openLegs++;
  }

  /** The engine did not take the leg counted by `legOpened`. */
  legNotOpened(engine: EngineState): void {
    engine.openLegs--;
  }

  /** A leg on the engine at `uri` was closed. */
  legClosed(uri: string): void {
    const engine = this.engines.find((e) => e.uri === uri);
    if (engine !== undefined) engine.openLegs = Math.max(0, engine.openLegs - 1);
  }

  /**
   * A leg a previous run of this server opened on the engine at `uri`, held by instance
   * `engineBoot`: it counts towards the load, and an answer from another instance declares it
   * lost. False when that engine is no longer configured.
   */
  adoptLeg(uri: string, engineBoot: string | undefined): boolean {
    const engine = this.engines.find((e) => e.uri === uri);
    if (engine === undefined) return false;
    engine.openLegs++;
    if (engine.bootId === undefined && engineBoot !== undefined) engine.bootId = engineBoot;
    // It holds our legs, so it can be declared lost before this process has seen it answer.
    engine.adoptedAt ??= new Date();
    return true;
  }
}
