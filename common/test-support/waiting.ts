import fs from "node:fs";

/**
 * How tests wait. A test awaits what it expects (`waitFor` polls a condition, `within` bounds a
 * promise); real time passes on purpose only through `quietFor` (a window in which nothing may
 * happen: a negative check) and `elapse` (time the scenario is about: seconds of audio, the
 * length of a pause, packet pacing), each with its reason, so every such window is visible and
 * counted: `grep -rn "quietFor(\|elapse(" --include=*.ts`.
 */

/** Polls `condition` every `intervalMs` until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
  what: string | (() => string) = "condition",
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`,
      );
    await pass(intervalMs);
  }
}

/** Rejects when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A window in which the test proves that nothing happens (no report, no packet, no second
 * event): there is no event to await for an absence. `reason` says what must not happen.
 */
export function quietFor(ms: number, reason: string): Promise<void> {
  return timeWindow(ms, reason);
}

/**
 * Real time the scenario is about, not a wait for something: a party talks for a second, a
 * pause lasts two, packets are paced 20 ms apart. `reason` says why the time must pass.
 */
export function elapse(ms: number, reason: string): Promise<void> {
  return timeWindow(ms, reason);
}

/** Whether a UDP socket is bound to `port` on this host (/proc/net/udp{,6} list them in hex). */
export function udpPortBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  return ["/proc/net/udp", "/proc/net/udp6"].some(
    (file) => fs.existsSync(file) && fs.readFileSync(file, "utf8").includes(hex),
  );
}

function timeWindow(ms: number, reason: string): Promise<void> {
  // The reason is the point: a window nobody can explain is a sleep waiting for something.
  if (reason.trim() === "") throw new TypeError("a test's time window needs its reason");
  return pass(ms);
}

function pass(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
