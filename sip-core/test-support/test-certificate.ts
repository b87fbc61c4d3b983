import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type TestCertificate = { cert: string; key: string; certFile: string; keyFile: string; dir: string };

/**
 * A self-signed certificate made by Debian's openssl for a test (never one shipped in the repo):
 * `names` become the subject alternative names (IP:127.0.0.1, DNS:sip.example).
 */
export function makeTestCertificate(names: string[] = ["IP:127.0.0.1"]): TestCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "forkline-cert-"));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=forkline-test",
      "-addext",
      `subjectAltName=${names.join(",")}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`);
  return {
    cert: fs.readFileSync(certFile, "utf8"),
    key: fs.readFileSync(keyFile, "utf8"),
    certFile,
    keyFile,
    dir,
  };
}
