import { SipHeaders } from "./sip-headers";
import type { SipRequest, SipResponse } from "./sip-message";
import { reasonPhrase } from "./reason-phrases";

/**
 * RFC 3261 §8.2.6.2: "The From field of the response MUST equal the From header field of the
 * request. The Call-ID header field of the response MUST equal the Call-ID header field of the
 * request. The CSeq header field of the response MUST equal the CSeq field of the request. The
 * Via header field values in the response MUST equal the Via header field values in the request
 * and MUST maintain the same ordering." To is copied as is; adding the tag is the UAS's job
 * ("If a request contained a To tag in the request, the To header field in the response MUST
 * equal that of the request. However, if the To header field in the request did not contain a
 * tag, the URI in the To header field in the response MUST equal the URI in the To header field;
 * additionally, the UAS MUST add a tag to the To header field in the response").
 * §8.2.6.1: "the Timestamp header field MUST be copied into the 100 (Trying) response".
 */
export function createResponse(request: SipRequest, status: number, reason?: string): SipResponse {
  const headers = new SipHeaders();
  for (const value of request.headers.getAll("Via")) headers.append("Via", value);
  for (const name of ["From", "To", "Call-ID", "CSeq"]) {
    const value = request.headers.get(name);
    if (value !== undefined) headers.append(name, value);
  }
  const timestamp = request.headers.get("Timestamp");
  if (status === 100 && timestamp !== undefined) headers.append("Timestamp", timestamp);
  return { kind: "response", status, reason: reason ?? reasonPhrase(status), headers, body: Buffer.alloc(0) };
}
