import { execFile } from "node:child_process";
import type { Logger } from "../../common/logger";
import { type TransitionTable, transitionFunction } from "../../common/state-machine";
import type { ServerLeaseService } from "../services/cluster/server-lease-service";

/**
 * standby → active (lease taken, SIP address up) → lost (lease gone: stop serving at once).
 * A lost instance does not come back by itself: the process exits and its launcher starts it
 * again as a standby, with nothing of the old run in memory.
 */
export type HaState = "standby" | "activating" | "active" | "lost" | "stopped";
export const HA_EDGES: TransitionTable<HaState> = {
  standby: ["activating", "stopped"],
  activating: ["active", "standby", "lost", "stopped"],
  active: ["lost", "stopped"],
  lost: [],
  stopped: [],
};
const move = transitionFunction("HA membership", HA_EDGES);

export type HaMembershipOptions = {
  node: string;
  leaseMs: number;
  lease: Pick<ServerLeaseService, "tryAcquire" | "renew" | "release" | "holder">;
  /** HA_VIP_UP_COMMAND / HA_VIP_DOWN_COMMAND (Genesys SIP Server's sip-vip-script-up/down). */
  vipUp?: string;
  vipDown?: string;
  log: Logger;
  report: (where: string, error: unknown) => void;
  /** Monotonic milliseconds (tests move it). */
  now?: () => number;
};

/**
 * One instance's side of the HA pair's lease (ServerLeaseService): waits as standby until the
 * lease is free, brings the shared SIP address up, then renews the lease every fifth of its
 * length. The active instance stops serving on its own timer: if a renewal has not succeeded
 * for the lease's length less a margin — the database unreachable, this process stopped and
 * resumed — it declares the lease lost before the database can give it to the backup, so two
 * instances never serve the address at once.
 */
export class HaMembership {
  private state: HaState = "standby";
  private epoch = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: HaMembershipOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get current(): HaState {
    return this.state;
  }

  /** Makes sure the address is not up here (a backup must not answer for it), e.g. after a restart. */
  async startAsStandby(): Promise<void> {
    if (this.options.vipDown !== undefined)
      await this.runCommand("HA_VIP_DOWN_COMMAND", this.options.vipDown);
  }

  /**
   * Resolves once this instance holds the lease and the address is up (HA_VIP_UP_COMMAND).
   * A failing up command gives the lease back and waits again.
   */
  async waitUntilActive(signal: AbortSignal): Promise<void> {
    // Polled often: the take-over begins within a tenth of the lease after it expired.
    const pollMs = Math.max(50, Math.round(this.options.leaseMs / 10));
    let lastHolder: string | null | undefined;
    while (!signal.aborted) {
      let epoch: number | null = null;
      try {
        epoch = await this.options.lease.tryAcquire();
        if (epoch === null) {
          const holder = (await this.options.lease.holder())?.holder ?? null;
          if (holder !== lastHolder) {
            lastHolder = holder;
            if (holder !== null) this.options.log.info(`HA standby: ${holder} is active; watching its lease`);
          }
        }
      } catch (error) {
        this.options.report("ha_lease", error);
      }
      if (epoch !== null) {
        const acquiredAt = this.now();
        this.state = move(this.state, "activating");
        this.epoch = epoch;
        try {
          if (this.options.vipUp !== undefined)
            await this.runCommand("HA_VIP_UP_COMMAND", this.options.vipUp);
          this.state = move(this.state, "active");
          this.startRenewing(acquiredAt);
          this.options.log.info(`HA: ${this.options.node} is active (lease epoch ${epoch})`);
          return;
        } catch (error) {
          this.options.report("ha_vip_up", error);
          await this.options.lease.release(epoch).catch((e: unknown) => this.options.report("ha_lease", e));
          this.state = move(this.state, "standby");
        }
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Called once when the lease is lost (set before waitUntilActive resolves). */
  onLost: (reason: string) => void = () => undefined;

  /** A clean stop: the lease is given back so the backup takes over without waiting for it to expire. */
  async stop(): Promise<void> {
    if (this.state === "lost" || this.state === "stopped") return;
    const wasActive = this.state === "active";
    this.state = move(this.state, "stopped");
    clearInterval(this.renewTimer);
    if (!wasActive) return;
    await this.takeAddressDown();
    await this.options.lease
      .release(this.epoch)
      .catch((error: unknown) => this.options.report("ha_lease", error));
  }

  /** Takes the SIP address off this host (HA_VIP_DOWN_COMMAND); failures are counted, not thrown. */
  async takeAddressDown(): Promise<void> {
    if (this.options.vipDown === undefined) return;
    await this.runCommand("HA_VIP_DOWN_COMMAND", this.options.vipDown).catch((error: unknown) =>
      this.options.report("ha_vip_down", error),
    );
  }

  private startRenewing(acquiredAt: number): void {
    const { leaseMs } = this.options;
    // The database set the expiry at least leaseMs after the last renewal started: stopping a
    // margin before that is stopping before any other instance may start.
    const margin = Math.min(250, leaseMs / 5);
    let lastGood = acquiredAt;
    let inFlight = false;
    const lose = (reason: string) => {
      if (this.state !== "active") return;
      this.state = move(this.state, "lost");
      clearInterval(this.renewTimer);
      this.onLost(reason);
    };
    this.renewTimer = setInterval(
      () => {
        if (this.now() - lastGood > leaseMs - margin) {
          lose(`the lease was not renewed for ${Math.round(this.now() - lastGood)} ms`);
          return;
        }
        if (inFlight) return;
        inFlight = true;
        const started = this.now();
        this.options.lease.renew(this.epoch).then(
          (ours) => {
            inFlight = false;
            if (ours) lastGood = started;
            else lose("another instance holds the lease");
          },
          (error: unknown) => {
            inFlight = false;
            this.options.report("ha_lease", error);
          },
        );
      },
      Math.max(20, Math.round(leaseMs / 5)),
    );
  }

  private runCommand(name: string, command: string): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(
        "/bin/sh",
        ["-c", command],
        {
          timeout: 5_000,
          // eslint-disable-next-line no-restricted-properties -- an operator's shell command gets the environment the server was started with (PATH, …), not a configuration read
          env: { ...process.env, HA_NODE: this.options.node },
        },
        (error, _stdout, stderr) => {
          if (error === null) return resolve();
          reject(
            new Error(
              `${name} failed (${error.code ?? error.signal ?? "error"}): ${stderr.trim().slice(0, 300)}`,
            ),
          );
        },
      );
    });
  }
}
