/**
 * A timer that fires this much later than asked means this process, not its peer, was not
 * running (a page render, a GC, a starved CPU): the silence it would measure is its own.
 */
export const LATE_TIMER_MS = 200;

/**
 * setTimeout for deadlines on a peer: `onDue` runs after the poll phase (setImmediate), so an
 * answer already waiting in a socket is read before the peer is called silent, and it is told how
 * late the timer fired, to weigh that silence. Clear it with clearTimeout.
 */
export function judgedTimeout(ms: number, onDue: (lateByMs: number) => void): NodeJS.Timeout {
  const armedAt = performance.now();
  return setTimeout(() => {
    const lateByMs = performance.now() - armedAt - ms;
    setImmediate(() => onDue(lateByMs));
  }, ms);
}

/**
 * setInterval for periodic checks on peers, judged the same way: `onTick` runs after the poll
 * phase and is told whether this tick came more than LATE_TIMER_MS late. Clear it with clearInterval.
 */
export function judgedInterval(ms: number, onTick: (late: boolean) => void): NodeJS.Timeout {
  let lastTick = performance.now();
  return setInterval(() => {
    const now = performance.now();
    const late = now - lastTick - ms > LATE_TIMER_MS;
    lastTick = now;
    setImmediate(() => onTick(late));
  }, ms);
}
