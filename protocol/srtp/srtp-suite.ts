/**
 * The SRTP protection profiles offered and answered with SDES (RFC 4568 §6.2 and RFC 7714 §14.2),
 * with the key lengths each needs. Names are the SDP crypto-suite tokens.
 */
export type SrtpSuiteName = "AES_CM_128_HMAC_SHA1_80" | "AES_CM_128_HMAC_SHA1_32" | "AEAD_AES_128_GCM";

export interface SrtpSuite {
  readonly name: SrtpSuiteName;
  /** "cm-hmac": RFC 3711 AES Counter Mode + HMAC-SHA1; "gcm": RFC 7714 AEAD. */
  readonly transform: "cm-hmac" | "gcm";
  /** Master key and session encryption key length, bytes. */
  readonly keyLength: number;
  /** Master salt and session salt length, bytes. */
  readonly saltLength: number;
  /** Session authentication key length, bytes (HMAC-SHA1 only; 0 for GCM). */
  readonly authKeyLength: number;
  /** SRTP authentication tag length, bytes. */
  readonly rtpTagLength: number;
  /** SRTCP authentication tag length, bytes. */
  readonly rtcpTagLength: number;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = {
  // RFC 4568 §6.2.1: "AES_CM_128_HMAC_SHA1_80 ... an 80-bit authentication tag" with a 128-bit
  // master key and a 112-bit master salt; the HMAC-SHA1 session authentication key is 160 bits
  // (RFC 3711 §8.2, "n_a = 160").
  AES_CM_128_HMAC_SHA1_80: {
    name: "AES_CM_128_HMAC_SHA1_80",
    transform: "cm-hmac",
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  // RFC 4568 §6.2.2: AES_CM_128_HMAC_SHA1_32 is the same "except that ... the authentication tag
  // for SRTP is 32 bits"; SRTCP keeps its 80-bit tag ("the SRTCP authentication tag is 80 bits").
  AES_CM_128_HMAC_SHA1_32: {
    name: "AES_CM_128_HMAC_SHA1_32",
    transform: "cm-hmac",
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
  // RFC 7714 §12: AEAD_AES_128_GCM uses a 128-bit key, a 96-bit salt and a 16-octet tag
  // (§14.2 gives the SDES crypto-suite name).
  AEAD_AES_128_GCM: {
    name: "AEAD_AES_128_GCM",
    transform: "gcm",
    keyLength: 16,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
};

/** The suite named by an SDP crypto-suite token (case-sensitive, as RFC 4568 §9.2 registers them). */
export function srtpSuite(name: string): SrtpSuite | undefined {
  return Object.hasOwn(SRTP_SUITES, name) ? SRTP_SUITES[name as SrtpSuiteName] : undefined;
}
