/**
 * Why the softphone is not registered, in words (issue 17 §7): what the SIP Server answered a
 * REGISTER, or what happened to the WebSocket. JsSIP gives a response (status and reason phrase)
 * when the server answered, and only a cause when it did not.
 */
export function registrationFailureText(failure: {
  status?: number;
  reason?: string;
  cause?: string;
  /** Registered with a credential from the server, not a typed password. */
  withCredential: boolean;
}): string {
  const { status, reason = "" } = failure;
  const answer = status === undefined ? "" : ` (${status} ${reason})`.replace(/ \)$/, ")");
  if (status === 403 && reason === "Bad credentials")
    return failure.withCredential
      ? `The server did not accept the softphone credential: it may have expired${answer}.`
      : `Wrong SIP password for this extension${answer}.`;
  if (status === 403 && reason.startsWith("Too many failed attempts"))
    return `Too many failed attempts from this address: wait a moment and try again${answer}.`;
  if (status === 403) return `Not allowed: ${reason || "the server refused this extension"} (403).`;
  if (status === 401 || status === 407) return `The server did not accept the credentials${answer}.`;
  if (status === 404) return `Unknown extension${answer}.`;
  if (status !== undefined && status >= 500) return `The SIP Server could not register the phone${answer}.`;
  if (status !== undefined) return `The SIP Server refused the registration${answer}.`;
  if (failure.cause === "Request Timeout") return "No answer from the SIP Server (request timed out).";
  if (failure.cause === "Connection Error")
    return "The server is unreachable: the softphone's WebSocket could not connect.";
  return `Registration failed: ${failure.cause ?? "no answer"}.`;
}

/** The WebSocket to the SIP Server closed: a policy close (1008) says why; others are retried. */
export function disconnectText(code?: number, reason?: string): string {
  if (code === 1008) return `The server closed the softphone's connection: ${reason || "not allowed"}.`;
  const detail = code === undefined ? "" : ` (WebSocket closed, code ${code}${reason ? `: ${reason}` : ""})`;
  return `Connection to the server lost${detail}; reconnecting…`;
}
