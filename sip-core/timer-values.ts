/**
 * RFC 3261 §17.1.1.1 and Table 4 (Appendix A): T1 "500ms default ... RTT Estimate",
 * T2 "4s ... The maximum retransmit interval for non-INVITE requests and INVITE responses",
 * T4 "5s ... Maximum duration a message will remain in the network". Timer D: "at least 32
 * seconds for unreliable transports" (§17.1.1.2).
 */
export interface TimerValues {
  readonly T1: number;
  readonly T2: number;
  readonly T4: number;
  /** Timer D over unreliable transports. */
  readonly D: number;
}

export const DEFAULT_TIMER_VALUES: TimerValues = { T1: 500, T2: 4_000, T4: 5_000, D: 32_000 };

export function timerValues(overrides?: Partial<TimerValues>): TimerValues {
  const values = { ...DEFAULT_TIMER_VALUES, ...overrides };
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`timer ${name} must be positive, got ${value}`);
  }
  return values;
}
