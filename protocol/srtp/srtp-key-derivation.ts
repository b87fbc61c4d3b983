import { createCipheriv } from "node:crypto";
import type { SrtpSuite } from "./srtp-suite";

/** RFC 3711 §4.3.2: the key derivation labels. */
export const SrtpLabel = {
  rtpEncryption: 0x00,
  rtpAuthentication: 0x01,
  rtpSalt: 0x02,
  rtcpEncryption: 0x03,
  rtcpAuthentication: 0x04,
  rtcpSalt: 0x05,
} as const;

/** The session keys of one direction of SRTP or SRTCP. */
export interface SrtpSessionKeys {
  readonly encryptionKey: Buffer;
  /** Empty for AEAD suites, which authenticate with the encryption key. */
  readonly authenticationKey: Buffer;
  readonly salt: Buffer;
}

const ZEROS = Buffer.alloc(256);

/**
 * AES in counter mode, RFC 3711 §4.1.1: "the keystream ... is generated as follows: E(k, IV) ||
 * E(k, IV + 1 mod 2^128) || E(k, IV + 2 mod 2^128) ...". Node's aes-128-ctr increments the whole
 * 128-bit block as one big-endian counter, which is that definition.
 */
export function aesCmKeystream(key: Buffer, iv: Buffer, length: number): Buffer {
  const zeros = length <= ZEROS.length ? ZEROS.subarray(0, length) : Buffer.alloc(length);
  const cipher = createCipheriv(aesCtr(key), key, iv);
  return Buffer.concat([cipher.update(zeros), cipher.final()]);
}

export function aesCtr(key: Buffer): "aes-128-ctr" | "aes-192-ctr" | "aes-256-ctr" {
  if (key.length === 16) return "aes-128-ctr";
  if (key.length === 24) return "aes-192-ctr";
  if (key.length === 32) return "aes-256-ctr";
  throw new RangeError(`AES key of ${key.length} bytes`);
}

/**
 * One session key, RFC 3711 §4.3.1 with a key derivation rate of zero (SDES without a KDR
 * parameter, RFC 4568 §6.3.1: "the default value of 0 ... means that the session keys are derived
 * only once"): "Let r = index DIV key_derivation_rate" with "a DIV 0 = 0", so r = 0; "key_id =
 * <label> || r"; "x = key_id XOR master_salt, where key_id and master_salt are aligned so that
 * their least significant bits agree (right-alignment)". §4.3.3: the AES-CM PRF is
 * "PRF_n(k_master, x) = AES_CM(k_master, x * 2^16, n)": the salt-sized x shifted left 16 bits in
 * a 128-bit block, the keystream truncated to n bits.
 */
export function deriveSessionKey(
  masterKey: Buffer,
  masterSalt: Buffer,
  label: number,
  length: number,
): Buffer {
  const iv = Buffer.alloc(16);
  // x is as wide as the master salt and right-aligned; "* 2^16" puts it in iv[0..14).
  masterSalt.copy(iv, 14 - masterSalt.length);
  // key_id = label || r with a 48-bit r = 0: the label is 7 bytes from x's right end, iv[7].
  iv[7] = iv[7]! ^ label;
  return aesCmKeystream(masterKey, iv, length);
}

/** The three session keys for SRTP (`rtp`) or SRTCP (`rtcp`), RFC 3711 §4.3.2 labels. */
export function deriveSessionKeys(
  suite: SrtpSuite,
  masterKey: Buffer,
  masterSalt: Buffer,
  which: "rtp" | "rtcp",
): SrtpSessionKeys {
  const base = which === "rtp" ? SrtpLabel.rtpEncryption : SrtpLabel.rtcpEncryption;
  return {
    encryptionKey: deriveSessionKey(masterKey, masterSalt, base, suite.keyLength),
    authenticationKey:
      suite.authKeyLength === 0
        ? Buffer.alloc(0)
        : deriveSessionKey(masterKey, masterSalt, base + 1, suite.authKeyLength),
    salt: deriveSessionKey(masterKey, masterSalt, base + 2, suite.saltLength),
  };
}
