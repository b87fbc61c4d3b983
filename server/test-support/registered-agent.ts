import { expect } from "vitest";
import { AnsweringPhone } from "./answering-phone";
import { SipTestPhone } from "./sip-test-phone";

/**
 * A demo extension (`demo-<n>` password) answered by an AnsweringPhone whose media is on
 * `mediaPort`, registered with the SIP Server at `server` by digest. Everything it opened is
 * pushed on `closers`.
 */
export async function registeredAgent(
  server: string,
  extension: string,
  mediaPort: number,
  closers: (() => Promise<void> | void)[],
  /** The phone's address: loopback, or a test host's. */
  host = "127.0.0.1",
): Promise<AnsweringPhone> {
  const agent = await AnsweringPhone.start(mediaPort, undefined, host);
  closers.push(() => agent.close());
  const registrar = await SipTestPhone.start({}, 0, "UDP", {}, host);
  closers.push(() => registrar.close());
  const registered = await registrar.register({
    server,
    user: extension,
    password: `demo-${extension}`,
    contact: agent.contact,
  });
  expect(registered.status).toBe(200);
  return agent;
}

/** tRPC over HTTP with an API token, as the CLI calls it: a query without input, a mutation with. */
export function stackApi(httpPort: number, token: string) {
  return async function trpc<T>(procedure: string, input?: unknown): Promise<T> {
    const url = `http://127.0.0.1:${httpPort}/api/trpc/${procedure}`;
    const response =
      input === undefined
        ? await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        : await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ json: input }),
          });
    const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
    if (body.result === undefined) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
    return body.result.data.json;
  };
}
