/**
 * A FIFO of tasks run one per event-loop turn (one `setImmediate` each). Node runs every
 * datagram a socket has ready (up to 32 per socket and turn) and every callback of the poll
 * phase back to back; work queued here instead yields to the poll phase between two tasks, so
 * I/O that became ready meanwhile (media packets) waits at most one task, never a whole burst.
 *
 * Immediates queued while the check phase runs wait for the next turn (Node's documented
 * setImmediate behaviour), which is what makes it one task per turn.
 *
 * A task that throws does not stop the queue: the error goes to `onError` and the next task runs
 * in the next turn.
 */
export class MacrotaskQueue {
  private tasks: ((() => void) | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Tasks waiting (not counting the one running). */
  get length(): number {
    return this.tasks.length - this.head;
  }

  push(task: () => void): void {
    this.tasks.push(task);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.runOne());
  }

  private runOne(): void {
    this.scheduled = false;
    const task = this.tasks[this.head]!;
    this.tasks[this.head] = undefined;
    this.head++;
    // Drop the consumed prefix now and then rather than shifting at each task (O(n) each).
    if (this.head === this.tasks.length) {
      this.tasks = [];
      this.head = 0;
    } else if (this.head >= 1024) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    try {
      task();
    } catch (error) {
      this.onError(error);
    } finally {
      this.schedule();
    }
  }
}
