/**
 * The longest a recording may stay paused (compliance rule `maxPauseSeconds`): a pause taken to
 * keep a card number out lasts seconds; one left on by mistake would leave the rest of the call
 * unrecorded. One timer per paused recording; when it runs out, `onExpired` resumes it.
 */
export class PauseLimit {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly onExpired: (recordingId: string) => void) {}

  /** (Re)starts the recording's timer; 0 or less means no limit. */
  arm(recordingId: string, ms: number): void {
    this.clear(recordingId);
    if (ms <= 0) return;
    const timer = setTimeout(() => {
      this.timers.delete(recordingId);
      this.onExpired(recordingId);
    }, ms);
    timer.unref();
    this.timers.set(recordingId, timer);
  }

  /** The recording resumed or ended: no timer. Idempotent. */
  clear(recordingId: string): void {
    clearTimeout(this.timers.get(recordingId));
    this.timers.delete(recordingId);
  }

  get armed(): number {
    return this.timers.size;
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
