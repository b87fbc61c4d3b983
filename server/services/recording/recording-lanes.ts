/**
 * Control requests and engine reports of one recording are handled one at a time, in arrival
 * order. The engine's report of a pause, resume or stop often arrives while the request that
 * caused it still waits for the engine's MSML answer; applied before the request's own write
 * it would be lost (the pause then dated by the server's clock, not by when media stopped).
 */
export class RecordingLanes {
  /** Work per recording, the last queued (settled either way) per id. */
  private readonly lanes = new Map<string, Promise<void>>();

  run<T>(recordingId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(recordingId) ?? Promise.resolve();
    const result = previous.then(work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(recordingId, settled);
    void settled.then(() => {
      if (this.lanes.get(recordingId) === settled) this.lanes.delete(recordingId);
    });
    return result;
  }
}
