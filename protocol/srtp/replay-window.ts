/** RFC 3711 §3.3.2 names 64 as the minimum window; more buys nothing for audio at 50 packets/s. */
export const REPLAY_WINDOW_SIZE = 64;

/**
 * The replay list of RFC 3711 §3.3.2 as a sliding window over packet indices: "a receiver could
 * maintain a "Replay List" ... of the indices of received packets which have been authenticated"
 * and, with a sliding window, a packet whose index is "to the left of the window" is refused as
 * too old, one inside it is refused if already received, one to its right is new. `check` comes
 * before authentication (cheap refusal), `update` only after it succeeded, so a forged packet
 * can never move the window.
 */
export class ReplayWindow {
  /** Highest authenticated index; -1 before the first. */
  private top = -1;
  /** Bit k set: index top - k was received (bit 0 is top itself). */
  private seen = 0n;

  /** True when `index` may be new; false when replayed or older than the window. */
  check(index: number): boolean {
    if (this.top < 0 || index > this.top) return true;
    const delta = this.top - index;
    if (delta >= REPLAY_WINDOW_SIZE) return false;
    return ((this.seen >> BigInt(delta)) & 1n) === 0n;
  }

  /** Records an authenticated packet's index. */
  update(index: number): void {
    if (this.top < 0) {
      this.top = index;
      this.seen = 1n;
      return;
    }
    if (index > this.top) {
      const shift = index - this.top;
      this.seen = shift >= REPLAY_WINDOW_SIZE ? 1n : ((this.seen << BigInt(shift)) | 1n) & MASK;
      this.top = index;
      return;
    }
    const delta = this.top - index;
    if (delta < REPLAY_WINDOW_SIZE) this.seen |= 1n << BigInt(delta);
  }
}

const MASK = (1n << BigInt(REPLAY_WINDOW_SIZE)) - 1n;
