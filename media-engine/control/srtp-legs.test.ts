import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MEDIA_ENCRYPTION_HEADER } from "../../protocol/msml/engine-contract";
import { cryptoLines, parseSdp } from "../../protocol/sdp";
import { SRTP_SUITES, SrtpSession, type SrtpPolicy, type SrtpSuiteName } from "../../protocol/srtp";
import type { SipResponse } from "../../protocol/sip";
import { createLogger } from "../../common/logger";
import { PortPool } from "../rtp";
import { g711Packet, UdpPhone } from "../rtp/test-support/udp-phone";
import { LegClient, type ClientLeg } from "../test-support/leg-client";
import { pcmuOffer } from "../test-support/engine-harness";
import { MediaEngineService } from "./media-engine-service";

const ENGINE_SIP = 5930;
const CLIENT_SIP = 5931;

let service: MediaEngineService;
let client: LegClient;
let phones: UdpPhone[];
let logLines: string[];

beforeEach(async () => {
  phones = [];
  logLines = [];
  service = await MediaEngineService.start({
    sipHost: "127.0.0.1",
    sipPort: ENGINE_SIP,
    publicAddress: "127.0.0.1",
    rtpBindHost: "127.0.0.1",
    portPool: new PortPool(46000, 46039),
    webRtcPortRange: [46040, 46059],
    inactivityTimeoutMs: 0,
    errors: { report: () => undefined },
    log: createLogger("media-engine", "debug", (line) => logLines.push(line)),
  });
  client = await LegClient.start(CLIENT_SIP, ENGINE_SIP);
});

afterEach(async () => {
  for (const phone of phones) phone.close();
  await service?.close();
  await client?.close();
});

/** An RTP/SAVP offer with one a=crypto line per suite, each with a fresh key; the keys are returned. */
function savpOffer(port: number, suites: SrtpSuiteName[] = ["AES_CM_128_HMAC_SHA1_80"]) {
  const keys = suites.map((name) => {
    const suite = SRTP_SUITES[name];
    return { suite, masterKey: randomBytes(suite.keyLength), masterSalt: randomBytes(suite.saltLength) };
  });
  const offer = Buffer.from(
    [
      "v=0",
      "o=p 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio ${port} RTP/SAVP 0`,
      "a=rtpmap:0 PCMU/8000",
      ...keys.map(
        (k, i) =>
          `a=crypto:${i + 1} ${k.suite.name} inline:${Buffer.concat([k.masterKey, k.masterSalt]).toString("base64")}`,
      ),
      "",
    ].join("\r\n"),
  );
  return { offer, keys };
}

/** The engine's answer: its port, its protocol and, for SAVP, its key (what it sends with). */
function answerOf(leg: ClientLeg): { port: number; protocol: string; key?: SrtpPolicy; tag?: number } {
  const media = parseSdp(leg.response.body).media[0]!;
  const [line] = cryptoLines(media);
  if (line === undefined) return { port: media.port, protocol: media.protocol };
  const suite = SRTP_SUITES[line.suite as SrtpSuiteName];
  const keySalt = line.keys[0]!.keySalt;
  return {
    port: media.port,
    protocol: media.protocol,
    tag: line.tag,
    key: {
      suite,
      masterKey: keySalt.subarray(0, suite.keyLength),
      masterSalt: keySalt.subarray(suite.keyLength),
    },
  };
}

async function phone(): Promise<UdpPhone> {
  const p = await UdpPhone.open();
  phones.push(p);
  return p;
}

const status = (result: ClientLeg | SipResponse) => ("status" in result ? result.status : 200);
const reason = (result: ClientLeg | SipResponse) => ("reason" in result ? result.reason : "");

describe("SDES-SRTP legs (RFC 4568) relayed to plain RTP legs", () => {
  it.each(["AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"] as const)(
    "%s: media flows decrypted both ways, and the SRTP side's wire carries no plaintext",
    async (suiteName) => {
      const a = await phone();
      const b = await phone();
      const { offer, keys } = savpOffer(a.port, [suiteName]);
      const legA = await client.open({ offer, headers: { [MEDIA_ENCRYPTION_HEADER]: "required" } });
      const legB = await client.open({ offer: pcmuOffer(b.port) });
      const answerA = answerOf(legA);
      expect(answerA.protocol).toBe("RTP/SAVP");
      expect(answerA.tag).toBe(1);
      expect(answerA.key!.suite.name).toBe(suiteName);
      // The engine drew its own key: not an echo of ours.
      expect(answerA.key!.masterKey.equals(keys[0]!.masterKey)).toBe(false);
      expect(answerOf(legB).protocol).toBe("RTP/AVP");
      expect(
        (await client.msml(legA, [{ kind: "join", id1: legA.connId, id2: legB.connId, streams: [] }])).status,
      ).toBe(200);

      // Phone A speaks SRTP with its key, the engine answers with its own.
      const phoneA = new SrtpSession({ outbound: keys[0]!, inbound: answerA.key! });
      for (let seq = 0; seq < 10; seq++) await a.send(phoneA.protectRtp(g711Packet(0xa, seq))!, answerA.port);
      await vi.waitFor(() => expect(b.received.length).toBeGreaterThanOrEqual(10));
      // B gets plain RTP whose payload is A's.
      expect(b.received[0]!.subarray(12, 12 + 160)).toEqual(g711Packet(0xa, 0).subarray(12));
      expect(b.received[0]!.length).toBe(172);

      for (let seq = 0; seq < 10; seq++) await b.send(g711Packet(0xb, seq), answerOf(legB).port);
      await vi.waitFor(() => expect(a.received.length).toBeGreaterThanOrEqual(10));
      const plainPayload = g711Packet(0xb, 0).subarray(12);
      for (const packet of a.received) {
        // On A's wire: header + encrypted payload + tag, never B's payload in clear.
        expect(packet.length).toBe(172 + SRTP_SUITES[suiteName].rtpTagLength);
        expect(packet.includes(plainPayload.subarray(6, 40))).toBe(false);
      }
      const opened = a.received.map((packet) => phoneA.unprotectRtp(packet));
      expect(opened.every((packet) => packet !== undefined)).toBe(true);
      expect(opened[0]!.subarray(12)).toEqual(plainPayload);
      expect(phoneA.refused["auth-failed"]).toBe(0);

      // A forged packet (right header, wrong tag) is dropped and counted, never relayed.
      const before = b.received.length;
      const forged = Buffer.from(phoneA.protectRtp(g711Packet(0xa, 10))!);
      forged[forged.length - 1]! ^= 1;
      await a.send(forged, answerA.port);
      await a.send(phoneA.protectRtp(g711Packet(0xa, 11))!, answerA.port);
      await vi.waitFor(() => expect(b.received.length).toBe(before + 1));
      expect(service.leg(legA.connId)!.endpoint.stats.srtp).toMatchObject({
        suite: suiteName,
        refused: { "auth-failed": 1 },
      });
      // Keys never reach the log.
      const log = logLines.join("\n");
      expect(log).toContain("SRTP");
      for (const key of [keys[0]!, answerA.key!]) {
        expect(log).not.toContain(Buffer.concat([key.masterKey, key.masterSalt]).toString("base64"));
        expect(log).not.toContain(key.masterKey.toString("hex"));
      }
    },
  );

  it("picks the first offered suite it supports, passing over one it does not know", async () => {
    const a = await phone();
    const { offer } = savpOffer(a.port, ["AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80"]);
    const text = offer
      .toString()
      .replace("a=crypto:1 AES_CM_128_HMAC_SHA1_32", "a=crypto:1 F8_128_HMAC_SHA1_80");
    const leg = await client.open({ offer: Buffer.from(text) });
    expect(answerOf(leg)).toMatchObject({ protocol: "RTP/SAVP", tag: 2 });
    expect(answerOf(leg).key!.suite.name).toBe("AES_CM_128_HMAC_SHA1_80");
  });
});

describe(`${MEDIA_ENCRYPTION_HEADER}: the leg's policy`, () => {
  it("required + an RTP/AVP offer → 488", async () => {
    const result = await client.invite({ headers: { [MEDIA_ENCRYPTION_HEADER]: "required" } });
    expect(status(result)).toBe(488);
    expect(reason(result)).toMatch(/encryption required/i);
  });

  it("off + an RTP/SAVP offer → 488; off + RTP/AVP → plain", async () => {
    const a = await phone();
    const result = await client.invite({
      offer: savpOffer(a.port).offer,
      headers: { [MEDIA_ENCRYPTION_HEADER]: "off" },
    });
    expect(status(result)).toBe(488);
    const plain = await client.open({
      offer: pcmuOffer(a.port),
      headers: { [MEDIA_ENCRYPTION_HEADER]: "off" },
    });
    expect(answerOf(plain).protocol).toBe("RTP/AVP");
  });

  it("optional (and absent): SRTP when offered, plain otherwise", async () => {
    const a = await phone();
    const secure = await client.open({
      offer: savpOffer(a.port).offer,
      headers: { [MEDIA_ENCRYPTION_HEADER]: "optional" },
    });
    expect(answerOf(secure).protocol).toBe("RTP/SAVP");
    const defaulted = await client.open({ offer: savpOffer(a.port).offer });
    expect(answerOf(defaulted).protocol).toBe("RTP/SAVP");
    const plain = await client.open({ offer: pcmuOffer(a.port) });
    expect(answerOf(plain)).toEqual({ port: expect.any(Number), protocol: "RTP/AVP" });
  });

  it("an RTP/SAVP offer without a usable a=crypto line → 488, and no ports are kept", async () => {
    const a = await phone();
    const text = savpOffer(a.port)
      .offer.toString()
      .replace(/a=crypto:.*\r\n/, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n");
    const result = await client.invite({ offer: Buffer.from(text) });
    expect(status(result)).toBe(488);
    expect(reason(result)).not.toContain("c2hvcnQ");
    expect(await client.load()).toMatchObject({ legs: 0, ports: 0 });
  });

  it("an unknown value → 400 rather than a guess", async () => {
    const result = await client.invite({ headers: { [MEDIA_ENCRYPTION_HEADER]: "mandatory" } });
    expect(status(result)).toBe(400);
  });

  it("a re-INVITE keeps the leg's policy and keys: same keys keep the session, plain is refused when required", async () => {
    const a = await phone();
    const { offer, keys } = savpOffer(a.port);
    const leg = await client.open({ offer, headers: { [MEDIA_ENCRYPTION_HEADER]: "required" } });
    const first = answerOf(leg).key!;
    const again = await client.reinvite(leg, Buffer.from(offer.toString().replace("o=p 1 1", "o=p 1 2")));
    expect(again.status).toBe(200);
    const [line] = cryptoLines(parseSdp(again.body).media[0]!);
    expect(line!.keys[0]!.keySalt).toEqual(Buffer.concat([first.masterKey, first.masterSalt]));
    expect(keys).toHaveLength(1);
    const downgrade = await client.reinvite(leg, pcmuOffer(a.port));
    expect(downgrade.status).toBe(488);
  });
});
