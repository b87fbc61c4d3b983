import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../common/test-support/waiting";
import type { MsmlEvent } from "../../protocol/msml";
import { readSsrc } from "../../protocol/rtp";
import { Dialog, type IncomingRequest, UdpTransport, UserAgentCore } from "../../sip-core";
import type { MediaEnginePool } from "../../server/sip/media/media-engine-pool";
import {
  engineController,
  enginePort,
  joinedCall,
  spawnMediaEngine,
  type SpawnedProcess,
} from "../test-support/engine-harness";
import { talk, UdpPhone } from "../rtp/test-support/udp-phone";

const ENGINE = { sip: 5951, http: 5952, rtpMin: 47100, rtpMax: 47199 };

let engine: SpawnedProcess;
let controller: { ua: UserAgentCore; pool: MediaEnginePool; events: MsmlEvent[] };
const phones: UdpPhone[] = [];
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  engine = await spawnMediaEngine(ENGINE);
  controller = await engineController(ENGINE.sip);
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const phone of phones) phone.close();
  await controller?.ua.close();
  await engine?.stop();
});

/** The SDP a recorder answers or offers with: one receive-only G.711 stream per port. */
function recorderSdp(ports: readonly number[], version: number): Buffer {
  return Buffer.from(
    [
      "v=0",
      `o=srs 1 ${version} IN IP4 127.0.0.1`,
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      ...ports.flatMap((port) => [`m=audio ${port} RTP/AVP 0`, "a=rtpmap:0 PCMU/8000", "a=recvonly"]),
      "",
    ].join("\r\n"),
  );
}

describe("a recorder that moves its streams with a re-INVITE (RFC 3264 §8.3.1)", () => {
  it("gets the same RTP session (same SSRCs) at the new ports, and nothing more at the old ones", async () => {
    const old = [await UdpPhone.open(), await UdpPhone.open()];
    const moved = [await UdpPhone.open(), await UdpPhone.open()];
    phones.push(...old, ...moved);
    // A recorder: answers the SIPREC INVITE towards `old`, remembers the dialog.
    let dialog: Dialog | undefined;
    const recorder = new UserAgentCore({
      delegate: {
        handlers: {
          INVITE: (request: IncomingRequest) => {
            const response = request.createResponse(200, {
              headers: { Contact: `<sip:srs@127.0.0.1:${transport.localAddress.port}>` },
              body: recorderSdp(
                old.map((p) => p.port),
                1,
              ),
              contentType: "application/sdp",
            });
            dialog = Dialog.createAsUas(request.message, response, request.source);
            recorder.registerDialog(dialog);
            request.send(response);
          },
          OPTIONS: (request: IncomingRequest) => void request.reply(200),
          BYE: (request: IncomingRequest) => void request.reply(200),
        },
        onError: () => undefined,
      },
    });
    const transport = new UdpTransport({ host: "127.0.0.1", port: 0 });
    await recorder.addTransport(transport);
    closers.push(() => recorder.close());

    const { a, b, legA, legB } = await joinedCall(controller.pool, phones, "moved");
    const stopA = talk(a, enginePort(legA), { hz: 440, codec: "PCMU", ssrc: 0xaaaa });
    const stopB = talk(b, enginePort(legB), { hz: 1000, codec: "PCMU", ssrc: 0xbbbb });
    closers.push(stopA, stopB);
    const started = await controller.pool.msml(legA, [
      {
        kind: "dialogstart",
        target: legA.connId,
        name: "moved",
        type: "application/moml+xml",
        record: { dest: [`sip:srs@127.0.0.1:${transport.localAddress.port}`], params: {} },
      },
    ]);
    expect(started.response).toBe(200);
    await waitFor(() => old.every((p) => p.received.length >= 10), 5000, "RTP at the first ports");
    const ssrcs = old.map((p) => readSsrc(p.received.at(-1)!));

    // The recorder moves both streams to other ports.
    const reinvite = dialog!.createRequest("INVITE", {
      body: recorderSdp(
        moved.map((p) => p.port),
        2,
      ),
      contentType: "application/sdp",
    });
    const engineAddress = { transport: "UDP" as const, host: "127.0.0.1", port: ENGINE.sip };
    const answer = await recorder.sendInDialog(dialog!, reinvite, { destination: engineAddress });
    expect(answer.status).toBe(200);
    await recorder.ack(dialog!, answer, { destination: engineAddress });
    await waitFor(() => moved.every((p) => p.received.length >= 10), 5000, "RTP at the new ports");
    expect(moved.map((p) => readSsrc(p.received.at(-1)!))).toEqual(ssrcs);
    const before = old.map((p) => p.received.length);
    await waitFor(() => moved.every((p) => p.received.length >= 30), 5000, "more RTP at the new ports");
    // At most a packet in flight when the move happened.
    old.forEach((p, i) => expect(p.received.length - before[i]!).toBeLessThanOrEqual(1));

    await controller.pool.msml(legA, [{ kind: "dialogend", id: started.dialogid! }]);
    await controller.pool.closeLeg(legA);
    await controller.pool.closeLeg(legB);
  }, 60_000);
});
