import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TlsTransport } from "../../sip-core";
import { makeTestCertificate, type TestCertificate } from "../../sip-core/test-support/test-certificate";
import { AnsweringPhone } from "../test-support/answering-phone";
import { SipTestPhone } from "../test-support/sip-test-phone";
import { stackApi } from "../test-support/registered-agent";
import { startTestStack, type TestStack } from "../test-support/start-test-stack";

// The whole stack with SIP over TLS on: a phone registers and is called over TLS while the
// caller uses UDP; the server verifies the phone's certificate when it connects to it.
const ports = {
  http: 3215,
  sip: 6031,
  mediaSip: 6041,
  mediaHttp: 6042,
  recorderSip: 6051,
  recorderHttp: 6052,
  rtpMin: 48200,
  rtpMax: 48399,
};
const SIP_TLS_PORT = 6033;
const RECORDER_TLS_PORT = 6034;
let stack: TestStack;
let certificate: TestCertificate;
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  certificate = makeTestCertificate(["IP:127.0.0.1"]);
  stack = await startTestStack(ports, {
    SIP_TLS_PORT: String(SIP_TLS_PORT),
    SIP_TLS_CERT: certificate.certFile,
    SIP_TLS_KEY: certificate.keyFile,
    // The phones' certificates are signed by the same test CA (self-signed here).
    SIP_TLS_CA: certificate.certFile,
    // The lab recorder takes SIPREC over TLS too, with the same certificate.
    RECORDER_TLS_PORT: String(RECORDER_TLS_PORT),
    RECORDER_TLS_CERT: certificate.certFile,
    RECORDER_TLS_KEY: certificate.keyFile,
  });
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await stack?.stop();
  if (certificate !== undefined) fs.rmSync(certificate.dir, { recursive: true, force: true });
});

describe("SIP over TLS (RFC 3261 §26.2.1, RFC 5630) and the SRTP policy of DNs on the SIP Server", () => {
  it("answers openssl s_client, an independent TLS client, on its TLS port", async () => {
    const options = [
      `OPTIONS sips:forkline@127.0.0.1:${SIP_TLS_PORT} SIP/2.0`,
      "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-tls-1",
      "Max-Forwards: 70",
      "From: <sips:probe@127.0.0.1>;tag=p1",
      `To: <sips:forkline@127.0.0.1:${SIP_TLS_PORT}>`,
      "Call-ID: tls-options-1",
      "CSeq: 1 OPTIONS",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
    const peer = spawn(
      "openssl",
      [
        "s_client",
        "-quiet",
        "-connect",
        `127.0.0.1:${SIP_TLS_PORT}`,
        "-CAfile",
        certificate.certFile,
        "-verify_return_error",
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    closers.push(() => void peer.kill());
    let received = "";
    peer.stdout.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
    peer.stdin.write(options);
    await expect.poll(() => received, { timeout: 10_000 }).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(received).toMatch(/^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:5061;branch=z9hG4bK-tls-1/m);
  });

  it(
    "a phone registered over TLS is called over TLS, from a caller on UDP",
    { timeout: 60_000 },
    async () => {
      const phone = await AnsweringPhone.start(
        48500,
        new TlsTransport({
          host: "127.0.0.1",
          port: 0,
          tls: { cert: certificate.cert, key: certificate.key, ca: certificate.cert },
        }),
      );
      closers.push(() => phone.close());
      // The phone registers from its own TLS connection: the server calls it on that flow.
      const registrar = SipTestPhone.using(phone.ua, phone.transport as TlsTransport);
      const registered = await registrar.register({
        server: `127.0.0.1:${SIP_TLS_PORT}`,
        user: "1001",
        password: "demo-1001",
        contact: phone.contact,
        algorithm: "MD5",
      });
      expect(registered.status).toBe(200);
      expect(registered.headers.get("Contact")).toContain("sips:phone@127.0.0.1");

      const caller = await SipTestPhone.start();
      closers.push(() => caller.close());
      const callerRegistered = await caller.register({
        server: `127.0.0.1:${ports.sip}`,
        user: "1002",
        password: "demo-1002",
        contact: `<sip:1002@127.0.0.1:${caller.transport.localAddress.port}>`,
      });
      expect(callerRegistered.status).toBe(200);
      const { response, dialog } = await caller.call(`127.0.0.1:${ports.sip}`, "1001", "1002");
      expect(response.status).toBe(200);
      // The INVITE reached the phone over TLS, from the server's own TLS connection.
      expect(phone.invites.at(-1)?.headers.get("Via")).toMatch(/^SIP\/2\.0\/TLS /);
      await caller.ua.sendInDialog(dialog!, dialog!.createRequest("BYE"));
      await expect.poll(() => phone.byes.length, { timeout: 5_000 }).toBe(1);
    },
  );

  it(
    "a DN whose media encryption is required refuses a plain RTP call with 488; optional takes it",
    {
      timeout: 60_000,
    },
    async () => {
      const trpc = stackApi(
        ports.http,
        fs.readFileSync(path.join(stack.dir, "forkline.api-token"), "utf8").trim(),
      );
      const agent = await AnsweringPhone.start(48520);
      closers.push(() => agent.close());
      const phone = await SipTestPhone.start();
      closers.push(() => phone.close());
      for (const [user, contact] of [
        ["1003", agent.contact],
        ["1002", `<sip:1002@127.0.0.1:${phone.transport.localAddress.port}>`],
      ] as const) {
        const registered = await phone.register({
          server: `127.0.0.1:${ports.sip}`,
          user,
          password: `demo-${user}`,
          contact,
        });
        expect(registered.status).toBe(200);
      }
      await trpc("dn.set", { number: "1002", type: "extension", mediaEncryption: "required" });
      // The caller's leg: its plain RTP/AVP offer is not acceptable to a DN that requires SRTP.
      const refused = await phone.call(`127.0.0.1:${ports.sip}`, "1003", "1002");
      expect(refused.response.status).toBe(488);
      expect(agent.invites).toHaveLength(0);
      await trpc("dn.set", { number: "1002", type: "extension", mediaEncryption: "optional" });
      const taken = await phone.call(`127.0.0.1:${ports.sip}`, "1003", "1002");
      expect(taken.response.status).toBe(200);
      await phone.ua.sendInDialog(taken.dialog!, taken.dialog!.createRequest("BYE"));
      await expect.poll(() => agent.byes.length, { timeout: 5_000 }).toBe(1);
    },
  );

  it("a recorder's Test reaches a sips: recorder over TLS, verifying its certificate", async () => {
    const trpc = stackApi(
      ports.http,
      fs.readFileSync(path.join(stack.dir, "forkline.api-token"), "utf8").trim(),
    );
    await trpc("recorder.set", {
      name: "lab-tls",
      uri: `sips:srs@127.0.0.1:${RECORDER_TLS_PORT}`,
      enabled: false,
    });
    expect(await trpc("recorder.test", { name: "lab-tls" })).toMatchObject({ status: 200 });
    // Nothing listens for TLS there: the answer says so rather than hanging.
    await trpc("recorder.set", { name: "nowhere-tls", uri: "sips:srs@127.0.0.1:6035", enabled: false });
    expect(await trpc("recorder.test", { name: "nowhere-tls" })).toMatchObject({
      status: 503,
      reason: expect.stringMatching(/TLS connect failed: .*ECONNREFUSED/) as unknown,
    });
  });
});
