/**
 * Child processes tell the launcher (scripts/start.ts) they are ready over the IPC channel
 * it opened, and print one line for people running them by hand.
 */
export type ReadyMessage = { type: "ready"; service: string } & Record<string, unknown>;

export function notifyReady(info: { service: string } & Record<string, unknown>): void {
  const message: ReadyMessage = { type: "ready", ...info };
  if (process.send) process.send(message);
  else process.stdout.write(`${info.service} ready ${JSON.stringify(info)}\n`);
}

export function isReadyMessage(value: unknown): value is ReadyMessage {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === "ready";
}
