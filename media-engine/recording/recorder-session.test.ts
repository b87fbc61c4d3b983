import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UdpTransport, UserAgentCore } from "../../sip-core";
import { RecorderSession } from "./recorder-session";

let src: UserAgentCore;
let srs: UserAgentCore;
let srsPort: number;
let srcPort: number;

beforeAll(async () => {
  // A recorder that refuses every session: each INVITE settles at once with its 486.
  srs = new UserAgentCore({
    delegate: { handlers: { INVITE: (request) => void request.reply(486) }, onError: () => undefined },
  });
  const srsTransport = new UdpTransport({ host: "127.0.0.1", port: 0 });
  await srs.addTransport(srsTransport);
  srsPort = srsTransport.localAddress.port;
  src = new UserAgentCore({ delegate: { handlers: {}, onError: () => undefined } });
  const srcTransport = new UdpTransport({ host: "127.0.0.1", port: 0 });
  await src.addTransport(srcTransport);
  srcPort = srcTransport.localAddress.port;
});

afterAll(async () => {
  await src?.close();
  await srs?.close();
});

describe("recorder session INVITE", () => {
  it("leaves no listener on the recording's abort signal once an INVITE has settled", async () => {
    // One signal lives as long as the recording while every failover attempt INVITEs with it:
    // a listener left behind per attempt would pile up (Node warns past 10) until the recording ends.
    const ended = new AbortController();
    for (let attempt = 0; attempt < 12; attempt++) {
      const session = new RecorderSession(
        `sip:srs@127.0.0.1:${srsPort}`,
        { ua: src, publicAddress: "127.0.0.1", contact: () => `<sip:src@127.0.0.1:${srcPort}>` },
        [],
        {
          dataMode: "complete",
          session: { id: "c2Vzc2lvbg==", startTime: new Date(0).toISOString() },
          participants: [],
          streams: [],
          extension: { params: {} },
        },
      );
      const outcome = await session.invite("sendonly", 5_000, ended.signal);
      expect(outcome).toEqual({ accepted: false, reason: "486 Busy Here" });
    }
    expect(getEventListeners(ended.signal, "abort")).toHaveLength(0);
  });
});
