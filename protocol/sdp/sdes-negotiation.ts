import { cryptoLines, type SdpCrypto } from "./sdp-crypto";
import type { MediaDescription } from "./sdp-types";

/** What a party can do with one SDES crypto-suite: the key and salt lengths it needs. */
export interface SdesSuite {
  readonly name: string;
  readonly keyLength: number;
  readonly saltLength: number;
}

/** The offered line the answerer accepted and the key and salt the offerer will send with. */
export interface SdesChoice {
  readonly offered: SdpCrypto;
  readonly suite: SdesSuite;
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
}

/**
 * Session parameters we can honour (RFC 4568 §6.3). KDR is the key derivation rate: only 0, the
 * default, is implemented. WSH asks for a replay window at least that wide (§6.3.7): ours is the
 * 64 packets of RFC 3711 §3.3.2, so a larger WSH is refused. UNENCRYPTED_SRTP/SRTCP,
 * UNAUTHENTICATED_SRTP and FEC_ORDER/FEC_KEY change the transform and are not implemented; a line
 * that asks for one is passed over like an unsupported suite, which is the answerer's duty for
 * parameters it cannot honour (§6.3, §7.1.2).
 */
function supportedSessionParams(params: readonly string[]): boolean {
  return params.every((param) => {
    const [name, value] = param.split("=");
    if (name === "KDR") return value === "0";
    if (name === "WSH") return value !== undefined && /^\d+$/.test(value) && Number(value) <= 64;
    return false;
  });
}

/**
 * RFC 4568 §7.1.2 (answerer): the answerer accepts at most one of the offered crypto attributes
 * of a stream — here the first in the offer's order, since the offerer lists them in its order of
 * preference (§7.1.1) — whose suite, key length, session parameters and key count we can use. A line with
 * several keys or an MKI is passed over: the MKI would be carried in every packet (RFC 3711 §3.1)
 * and we keep one key per stream.
 */
export function chooseOfferedCrypto(
  media: MediaDescription,
  suites: readonly SdesSuite[],
): SdesChoice | undefined {
  for (const offered of cryptoLines(media)) {
    const suite = suites.find((s) => s.name === offered.suite);
    if (suite === undefined || offered.keys.length !== 1) continue;
    const key = offered.keys[0]!;
    if (key.mki !== undefined || key.keySalt.length !== suite.keyLength + suite.saltLength) continue;
    if (!supportedSessionParams(offered.sessionParams)) continue;
    return {
      offered,
      suite,
      masterKey: key.keySalt.subarray(0, suite.keyLength),
      masterSalt: key.keySalt.subarray(suite.keyLength),
    };
  }
  return undefined;
}

/**
 * RFC 4568 §7.1.2: the answer's crypto attribute has the accepted offered attribute's tag and
 * crypto-suite, and the answerer's own key: each direction sends with the key its sender chose
 * (§6.1), drawn at random by the caller (the key must be random and fresh, §8.3/§10).
 */
export function answerCrypto(choice: SdesChoice, keySalt: Buffer): SdpCrypto {
  return { tag: choice.offered.tag, suite: choice.offered.suite, keys: [{ keySalt }], sessionParams: [] };
}

/**
 * RFC 4568 §7.1.3 (offerer processing the answer): the answer's crypto attribute must name an
 * offered tag with the same crypto-suite; its key is the one the answerer sends with.
 */
export function acceptAnsweredCrypto(
  offered: readonly SdpCrypto[],
  answered: MediaDescription,
  suites: readonly SdesSuite[],
): SdesChoice | undefined {
  const [line] = cryptoLines(answered);
  if (line === undefined) return undefined;
  const mine = offered.find((o) => o.tag === line.tag && o.suite === line.suite);
  const suite = suites.find((s) => s.name === line.suite);
  if (mine === undefined || suite === undefined || line.keys.length !== 1) return undefined;
  const key = line.keys[0]!;
  if (key.mki !== undefined || key.keySalt.length !== suite.keyLength + suite.saltLength) return undefined;
  if (!supportedSessionParams(line.sessionParams)) return undefined;
  return {
    offered: mine,
    suite,
    masterKey: key.keySalt.subarray(0, suite.keyLength),
    masterSalt: key.keySalt.subarray(suite.keyLength),
  };
}
