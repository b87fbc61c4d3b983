import type { SipMessage } from "./sip-message";
import { formatSipUri } from "./sip-uri";

/** The wire form, with Content-Length always set from the body (RFC 3261 §18.3 needs it on streams). */
export function serializeSipMessage(message: SipMessage): Buffer {
  const lines =
    message.kind === "request"
      ? [`${message.method} ${formatSipUri(message.uri)} SIP/2.0`]
      : [`SIP/2.0 ${message.status} ${message.reason}`];
  for (const [name, value] of message.headers) {
    if (name !== "Content-Length") lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${message.body.length}`, "", "");
  return Buffer.concat([Buffer.from(lines.join("\r\n"), "utf8"), message.body]);
}
