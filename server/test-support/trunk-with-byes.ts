import type { SipRequest } from "../../protocol/sip";
import { SipTestPhone } from "./sip-test-phone";

/**
 * A trunk peer (a SipTestPhone on `port`, where the demo trunk `pstn` points) that answers every
 * BYE 200 and keeps it with the time it came, for tests that check who was told a call ended.
 */
export async function trunkWithByes(
  closers: (() => Promise<void> | void)[],
  port = 5062,
  host = "127.0.0.1",
): Promise<{ trunk: SipTestPhone; byes: SipRequest[]; byeTimes: number[] }> {
  const byes: SipRequest[] = [];
  const byeTimes: number[] = [];
  const trunk = await SipTestPhone.start(
    {
      BYE: (request) => {
        byes.push(request.message);
        byeTimes.push(Date.now());
        request.reply(200);
      },
    },
    port,
    "UDP",
    {},
    host,
  );
  closers.push(() => trunk.close());
  return { trunk, byes, byeTimes };
}
