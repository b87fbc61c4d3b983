import type { SipRequest } from "../../../protocol/sip";
import { ENGINE_AUTH_HEADER, signEngineRequest } from "../../../protocol/msml/engine-auth";

/**
 * Signs a request outside a dialog for a media engine (engine-auth.ts) when MEDIA_ENGINE_SECRET
 * is set: a keep-alive OPTIONS or a new leg's INVITE.
 */
export function signOutOfDialog(request: SipRequest, secret: string | undefined): SipRequest {
  if (secret === undefined) return request;
  const cseq = Number.parseInt(request.headers.get("CSeq") ?? "", 10);
  request.headers.set(
    ENGINE_AUTH_HEADER,
    signEngineRequest(secret, {
      method: request.method,
      callId: request.headers.get("Call-ID") ?? "",
      cseq,
    }),
  );
  return request;
}
