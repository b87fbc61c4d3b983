import fs from "node:fs";
import { elapse, waitFor } from "../../common/test-support/waiting";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { talk, UdpPhone } from "../../media-engine/rtp/test-support/udp-phone";
import { dominantFrequency, readWav } from "../../recorder/test-support/audio-analysis";
import { parseSdp } from "../../protocol/sdp";
import { AnsweringPhone } from "../test-support/answering-phone";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";

const ports = {
  http: 3171,
  sip: 5651,
  mediaSip: 5661,
  mediaHttp: 5662,
  recorderSip: 5671,
  recorderHttp: 5672,
  rtpMin: 42600,
  rtpMax: 42799,
};
const SERVER = `127.0.0.1:${ports.sip}`;
let stack: TestStack;
let token: string;
const closers: (() => Promise<void> | void)[] = [];

type TEventJson = {
  event: string;
  connId: string | null;
  userData: Record<string, string>;
  error?: { code: string; message: string };
};

async function trpc<T>(procedure: string, input?: unknown, method: "GET" | "POST" = "POST"): Promise<T> {
  const url = `http://127.0.0.1:${ports.http}/api/trpc/${procedure}`;
  const response =
    method === "GET"
      ? await fetch(url, { headers: { authorization: `Bearer ${token}` } })
      : await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ json: input }),
        });
  const body = (await response.json()) as {
    result?: { data: { json: T } };
    error?: { json: { message: string } };
  };
  if (body.result === undefined)
    throw new Error(`${procedure}: ${body.error?.json.message ?? response.status}`);
  return body.result.data.json;
}

const privateService = (
  connId: string,
  thisDn: string,
  privateMsgId: number,
  extensions: Record<string, string> = {},
) =>
  trpc<TEventJson>("cti.request", {
    request: "TRequestPrivateService",
    thisDn,
    connId,
    privateMsgId,
    extensions,
  });

beforeAll(async () => {
  stack = await startTestStack(ports, { LOG_LEVEL: "debug" });
  token = fs.readFileSync(path.join(stack.dir, "forkline.api-token"), "utf8").trim();
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await stack?.stop();
});

/**
 * An extension answering on its own RTP port (where a UDP socket receives its media), registered
 * with the server, and the lab trunk (SIPp's usual peer port 5062) ready to call it; all closed
 * after the test.
 */
async function agentAndTrunk(extension: string, agentPort: number, trunkPort: number) {
  const agentMedia = await UdpPhone.open(agentPort);
  const trunkMedia = await UdpPhone.open(trunkPort);
  closers.push(
    () => agentMedia.close(),
    () => trunkMedia.close(),
  );
  const agent = await AnsweringPhone.start(agentPort);
  closers.push(() => agent.close());
  const registrar = await SipTestPhone.start();
  closers.push(() => registrar.close());
  const registered = await registrar.register({
    server: SERVER,
    user: extension,
    password: `demo-${extension}`,
    contact: agent.contact,
  });
  expect(registered.status).toBe(200);
  const trunk = await SipTestPhone.start({ BYE: (request) => void request.reply(200) }, 5062);
  closers.push(() => trunk.close());
  return { trunkMedia, trunk };
}

describe("recording policy with real calls and the lab recorder", () => {
  it("trunk record=true records the customer side; a dynamic start on that side is refused; the agent side is recorded on demand with id, dest and params, paused and resumed", async () => {
    await trpc("dn.setRecord", { number: "pstn", record: true });
    const { trunkMedia, trunk } = await agentAndTrunk("1001", 32600, 32700);

    const { response, dialog } = await trunk.call(SERVER, "1001");
    expect(response.status).toBe(200);
    const enginePort = parseSdp(response.body).media[0]!.port;
    const stopTalking = talk(trunkMedia, enginePort, { hz: 440, codec: "PCMA", ssrc: 0x5151 });
    try {
      const [call] = await trpc<{ connId: string; caller: { dn: string }; callee: { dn: string } }[]>(
        "calls.list",
        undefined,
        "GET",
      );
      expect(call).toMatchObject({ caller: { dn: "pstn" }, callee: { dn: "1001" } });
      const connId = call!.connId;

      // Full-time (trunk) takes precedence: a dynamic start on the customer side is refused.
      const refused = await privateService(connId, "1001", 3013, { record: "destination" });
      expect(refused.event).toBe("EventError");
      expect(refused.error).toMatchObject({ code: "ALREADY_RECORDED" });
      expect(refused.error?.message).toMatch(/full-time recording takes precedence/);

      const started = await privateService(connId, "1001", 3013, {
        record: "source",
        id: "dyn-1",
        dest: `sip:srs@127.0.0.1:${ports.recorderSip}`,
        params: "campaign=spring&case=4711",
      });
      expect(started).toMatchObject({
        event: "EventPrivateInfo",
        userData: { GSIP_RECORD: "ON", GSIP_REC_ID: "dyn-1", AttrPrivateMsgID: "3013" },
      });
      const duplicate = await privateService(connId, "1001", 3013, { record: "source", id: "dyn-1" });
      expect(duplicate.error?.code).toBe("ALREADY_RECORDED");
      await elapse(1000, "1 s of the agent side recorded before the pause");
      const paused = await privateService(connId, "1001", 3015);
      expect(paused.userData.GSIP_RECORD).toBe("PAUSED");
      expect((await privateService(connId, "1001", 3015)).error?.code).toBe("INVALID_TRANSITION");
      await elapse(1000, "a 1 s pause");
      expect((await privateService(connId, "1001", 3016)).userData.GSIP_RECORD).toBe("ON");
      await elapse(1000, "1 s recorded after the resume");
    } finally {
      stopTalking();
    }
    await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));
    // The trunk's port (the demo trunk peer 127.0.0.1:5062) is needed by the next call.
    await trunk.close();

    const recordings = path.join(stack.dir, "recordings");
    // The lab recorder writes each JSON when its recording starts and marks it finished at the end.
    const finished = (file: string) =>
      fs.existsSync(path.join(recordings, file)) &&
      (JSON.parse(fs.readFileSync(path.join(recordings, file), "utf8")) as { state?: string }).state ===
        "finished";
    await waitFor(() => finished("dyn-1.json"), 10_000, "the dynamic recording");
    const files = () => fs.readdirSync(recordings).filter((f) => f.endsWith(".json"));
    await waitFor(() => files().length === 2 && files().every(finished), 10_000, "both recordings");
    const dynamic = JSON.parse(fs.readFileSync(path.join(recordings, "dyn-1.json"), "utf8")) as {
      params: Record<string, string>;
      pauses: unknown[];
      participants: { dn?: string; role?: string }[];
    };
    expect(dynamic.params).toEqual({ campaign: "spring", case: "4711" });
    expect(dynamic.pauses).toHaveLength(1);
    expect(dynamic.participants).toContainEqual(expect.objectContaining({ dn: "1001", role: "agent" }));

    const fullTime = files().find((f) => f !== "dyn-1.json")!;
    const meta = JSON.parse(fs.readFileSync(path.join(recordings, fullTime), "utf8")) as {
      participants: { role?: string; channel: number }[];
    };
    const customer = meta.participants.find((p) => p.role === "customer")!;
    const wav = readWav(path.join(recordings, fullTime.replace(/\.json$/, ".wav")));
    expect(dominantFrequency(wav.samples[customer.channel]!, [440, 1000], 8000)).toBe(440);

    const db = new Database(stack.env.DATABASE_URL!.replace(/^file:/, ""), { readonly: true });
    try {
      // The history is written as the server learns the call ended: wait for both to be final.
      await waitFor(
        () =>
          (
            db.prepare("select count(*) as n from RecordingSession where state = 'stopped'").get() as {
              n: number;
            }
          ).n === 2,
        10_000,
        "both recordings stopped in the history",
      );
      const rows = db
        .prepare(
          "select id, trigger, side, state, requestedBy, recorderUri from RecordingSession order by startedAt",
        )
        .all() as {
        id: string;
        trigger: string;
        side: string;
        state: string;
        requestedBy: string;
        recorderUri: string;
      }[];
      expect(rows.map((r) => [r.trigger, r.side, r.state])).toEqual([
        ["full_time_trunk", "source", "stopped"],
        ["private_service", "destination", "stopped"],
      ]);
      expect(rows[1]).toMatchObject({
        id: "dyn-1",
        requestedBy: "user:admin (API token) via cti:1001",
        recorderUri: `sip:srs@127.0.0.1:${ports.recorderSip}`,
      });
      const pauses = db
        .prepare("select pausedAt, resumedAt from RecordingPause where sessionId = 'dyn-1'")
        .all();
      expect(pauses).toHaveLength(1);
    } finally {
      db.close();
    }
  }, 90_000);

  it("an Agent Login with record=true is recorded on the extension the agent logged in on; stop ends the file early", async () => {
    await trpc("dn.setRecord", { number: "pstn", record: false });
    await trpc("agentLogin.set", { loginCode: "5001", record: true });
    const login = await trpc<TEventJson>("cti.request", {
      request: "TAgentLogin",
      thisDn: "1002",
      agentId: "5001",
    });
    expect(login.event).toBe("EventAgentLogin");
    const { trunkMedia, trunk } = await agentAndTrunk("1002", 32602, 32702);
    const before = fs.readdirSync(path.join(stack.dir, "recordings")).filter((f) => f.endsWith(".json"));

    const { response, dialog } = await trunk.call(SERVER, "1002");
    expect(response.status).toBe(200);
    type Row = {
      connId: string;
      callee: { dn: string; agent: { id: string; name: string } | null };
      recordings: { id: string; trigger: string; side: string; state: string; recorder: string | null }[];
    };
    const [call] = await trpc<Row[]>("calls.list", undefined, "GET");
    // The supervisor sees who the agent is, not only the extension.
    expect(call!.callee).toMatchObject({ dn: "1002", agent: { id: "5001" } });
    const connId = call!.connId;
    const listed = async () => (await trpc<Row[]>("calls.list", undefined, "GET"))[0]!.recordings;
    await expect
      .poll(async () => (await listed()).map((r) => r.state), { timeout: 5_000 })
      .toEqual(["recording"]);
    expect(await listed()).toEqual([
      expect.objectContaining({
        trigger: "full_time_agent",
        side: "destination",
        state: "recording",
        recorder: expect.stringMatching(/^sips?:/) as unknown,
      }),
    ]);
    const enginePort = parseSdp(response.body).media[0]!.port;
    const stopTalking = talk(trunkMedia, enginePort, { hz: 440, codec: "PCMA", ssrc: 0x5252 });
    try {
      await elapse(1000, "1 s of the agent side recorded before the stop");
      // Stop is allowed on a full-time recording too; the call goes on.
      const stopped = await privateService(connId, "1002", 3014, { reason: "test over" });
      expect(stopped.userData.GSIP_RECORD).toBe("OFF");
      // The side shows its stopped recording while the call lasts.
      expect(await listed()).toEqual([
        expect.objectContaining({ trigger: "full_time_agent", side: "destination", state: "stopped" }),
      ]);
      await elapse(1500, "the call goes on 1.5 s after the stop: the file must end at the stop");
    } finally {
      stopTalking();
    }
    await trunk.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));

    const recordings = path.join(stack.dir, "recordings");
    const fresh = () => fs.readdirSync(recordings).filter((f) => f.endsWith(".json") && !before.includes(f));
    const finished = (file: string) =>
      (JSON.parse(fs.readFileSync(path.join(recordings, file), "utf8")) as { state?: string }).state ===
      "finished";
    await waitFor(() => fresh().length === 1 && finished(fresh()[0]!), 10_000, "the agent's recording");
    const meta = JSON.parse(fs.readFileSync(path.join(recordings, fresh()[0]!), "utf8")) as {
      durationMs: number;
      participants: { dn?: string; agentId?: string; role?: string }[];
    };
    expect(meta.participants).toContainEqual(
      expect.objectContaining({ dn: "1002", agentId: "5001", role: "agent" }),
    );
    // The audio ends where the stop was (about 1 s in), not where the 2.5 s call ended: the engine
    // stops forwarding at once (it then waits up to one RTCP report interval for the recorder to
    // acknowledge what it got before hanging up, so the file itself may run on in silence).
    const wav = readWav(path.join(recordings, fresh()[0]!.replace(/\.json$/, ".wav")));
    const lastSound = Math.max(
      ...wav.samples.map((samples) => {
        for (let i = samples.length - 1; i >= 0; i--) if (Math.abs(samples[i]!) > 1000) return i;
        return -1;
      }),
    );
    expect((lastSound * 1000) / wav.sampleRate).toBeGreaterThan(600);
    expect((lastSound * 1000) / wav.sampleRate).toBeLessThan(1900);
  }, 90_000);
});
