/**
 * A tRPC subscription read over HTTP as a browser reads it (Server-Sent Events, tRPC's
 * httpSubscriptionLink), with an API token: the data of each event, in order.
 */
export function trpcEvents<T = unknown>(
  httpPort: number,
  token: string,
  procedure: string,
  input?: unknown,
): { events: T[]; connected: Promise<void>; close: () => void } {
  const abort = new AbortController();
  const events: T[] = [];
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  void (async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/api/trpc/${procedure}${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: abort.signal,
    });
    if (!response.ok || response.body === null) throw new Error(`${procedure}: HTTP ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: connected/m.test(block)) markConnected();
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data === undefined || /^event: /m.test(block)) continue;
        const parsed = JSON.parse(data) as { json?: T } | T;
        events.push(
          typeof parsed === "object" && parsed !== null && "json" in parsed
            ? (parsed.json as T)
            : (parsed as T),
        );
      }
    }
  })().catch(() => undefined);
  return { events, connected, close: () => abort.abort() };
}
