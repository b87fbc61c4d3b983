import { ProtocolParseError } from "../protocol-parse-error";

export interface CSeq {
  seq: number;
  method: string;
}

/**
 * RFC 3261 §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned
 * integer and MUST be less than 2**31."
 */
export function parseCSeq(value: string): CSeq {
  const match = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value);
  if (match === null) throw new ProtocolParseError("sip", `malformed CSeq "${value.trim()}"`);
  const seq = Number(match[1]);
  if (seq >= 2 ** 31) throw new ProtocolParseError("sip", `CSeq number ${match[1]} is not less than 2**31`);
  return { seq, method: match[2]! };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
