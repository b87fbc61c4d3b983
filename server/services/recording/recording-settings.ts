import type { Call } from "../../sip/calls/call";
import {
  DEFAULT_DTMF_MASKING,
  DTMF_MASKING_MODES,
  type DtmfMasking,
} from "../../../protocol/msml/msml-types";
import {
  MEDIA_ENCRYPTION_POLICIES,
  type MediaEncryptionPolicy,
} from "../../../protocol/msml/engine-contract";
import { RecordingPolicyError } from "../../cti/gsip-record";
import { TErrorCode } from "../../cti/t-library-events";
import type { Db } from "../db";
import { getRecorderMode } from "../config/recorder-service";
import type { RecordingTrigger } from "./recording-history-service";

/** What of a recording request the settings decide: where it goes. */
export type RecorderRequest = { dest?: string; dest2?: string };

/**
 * What the configuration says about a recording, read when it is decided (an admin's change
 * applies to the next call): which recorders, in which mode, with which DTMF masking and SRTP,
 * and whether a party is recorded full time. The policy (RecordingService) decides with these;
 * only this reads the settings.
 */
export class RecordingSettings {
  constructor(
    private readonly db: Db,
    private readonly agentOnDn: (dn: string) => string | null,
  ) {}

  /**
   * Where a new recording goes: each entry is one copy's recorder list in failover order. One
   * copy, unless the recorder list is in parallel mode (two copies, each starting on its own
   * recorder and failing over to the recorders after the first two) or the request names `dest2`.
   */
  async recorderPlan(req: RecorderRequest): Promise<string[][]> {
    if (req.dest !== undefined) {
      const first = [validateDest(req.dest)];
      return req.dest2 === undefined ? [first] : [first, [validateDest(req.dest2)]];
    }
    const all = await this.defaultRecorders();
    if (req.dest2 !== undefined) return [all, [validateDest(req.dest2)]];
    if (all.length < 2 || (await getRecorderMode(this.db)) !== "parallel") return [all];
    const rest = all.slice(2);
    return [
      [all[0]!, ...rest],
      [all[1]!, ...rest],
    ];
  }

  /**
   * The strictest DTMF masking of the call's parties' DNs (an extension's, a trunk's): a card
   * number is kept out of the recording if either side asks for it. DNs not configured here get
   * the default.
   */
  async dtmfMaskingFor(call: Call): Promise<DtmfMasking> {
    const numbers = [call.caller.party.dn, call.callee?.party.dn].filter((n): n is string => !!n);
    const rows = await this.db.dn.findMany({
      where: { number: { in: numbers } },
      select: { number: true, dtmfMasking: true },
    });
    const modes = numbers.map(
      (n) =>
        (rows.find((r) => r.number === n)?.dtmfMasking as DtmfMasking | undefined) ?? DEFAULT_DTMF_MASKING,
    );
    return modes.reduce((strictest, mode) =>
      DTMF_MASKING_MODES.indexOf(mode) > DTMF_MASKING_MODES.indexOf(strictest) ? mode : strictest,
    );
  }

  /**
   * SRTP on the recording streams: the strictest setting among the recorders the recording may
   * go to (one MSML `encryption` covers the failover list). A destination that is no configured
   * recorder (a CTI `dest`) counts as off.
   */
  async encryptionFor(dest: readonly string[]): Promise<MediaEncryptionPolicy> {
    const rows = await this.db.recorder.findMany({
      where: { uri: { in: [...dest] } },
      select: { mediaEncryption: true },
    });
    const order: readonly string[] = MEDIA_ENCRYPTION_POLICIES;
    return rows
      .map((r) => r.mediaEncryption as MediaEncryptionPolicy)
      .reduce<MediaEncryptionPolicy>(
        (strictest, p) => (order.indexOf(p) > order.indexOf(strictest) ? p : strictest),
        "off",
      );
  }

  async defaultRecorders(): Promise<string[]> {
    const rows = await this.db.recorder.findMany({ where: { enabled: true }, orderBy: { position: "asc" } });
    if (rows.length === 0) throw new RecordingPolicyError(TErrorCode.NO_RECORDER, "No recorder is enabled.");
    return rows.map((r) => r.uri);
  }

  async fullTimeTrigger(party: { kind: string; dn: string }): Promise<RecordingTrigger | undefined> {
    const dn = await this.db.dn.findUnique({ where: { number: party.dn } });
    if (party.kind === "trunk") return dn?.record ? "full_time_trunk" : undefined;
    if (dn?.record) return "full_time_dn";
    const agentId = this.agentOnDn(party.dn);
    if (agentId === null) return undefined;
    const login = await this.db.agentLogin.findUnique({ where: { loginCode: agentId } });
    return login?.record ? "full_time_agent" : undefined;
  }
}

/** RFC 5707 <record dest> on our engine is SIP only: a file: URI would mean local recording. */
function validateDest(dest: string): string {
  if (/^file:/i.test(dest)) {
    throw new RecordingPolicyError(
      TErrorCode.INVALID_DESTINATION,
      "Local file recording is not supported: give a SIP or SIPS URI.",
    );
  }
  if (!/^sips?:[^\s]+$/i.test(dest)) {
    throw new RecordingPolicyError(TErrorCode.INVALID_DESTINATION, `dest ${dest} is not a SIP or SIPS URI.`);
  }
  return dest;
}
