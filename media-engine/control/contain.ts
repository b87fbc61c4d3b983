/** Where contained errors go: `ContainedErrors` in the process, a recorder of them in tests. */
export interface ErrorSink {
  /** `where` is a short fixed label (a Prometheus label value), `subject` the leg or call id. */
  report(where: string, error: unknown, subject?: string): void;
}

/**
 * Runs asynchronous work for one call without letting its failure escape as an unhandled
 * rejection: that would end the process and every other call in it. The error is reported once,
 * with the leg or call it concerns.
 */
export function contain(
  errors: ErrorSink,
  work: Promise<unknown> | (() => Promise<unknown>),
  where: string,
  subject?: string,
): void {
  let promise: Promise<unknown>;
  try {
    promise = typeof work === "function" ? work() : work;
  } catch (error) {
    errors.report(where, error, subject);
    return;
  }
  promise.catch((error: unknown) => errors.report(where, error, subject));
}

/** Calls a listener-style function and reports what it throws instead of letting it reach a timer or socket callback. */
export function containSync(errors: ErrorSink, fn: () => void, where: string, subject?: string): void {
  try {
    fn();
  } catch (error) {
    errors.report(where, error, subject);
  }
}
