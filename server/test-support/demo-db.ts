import { bootstrap } from "../services/bootstrap/bootstrap";
import { createTestDb } from "./test-db";

/**
 * A fresh migrated database as a first start leaves it with the demo configuration: users admin
 * (password `adminPassword`), supervisor and agent; extensions 1001–1003, agent logins 5001–5002,
 * trunk pstn, routing point 7000 and the lab recorder.
 */
export async function createDemoDb(adminPassword?: string) {
  const test = await createTestDb();
  await bootstrap(test.db, {
    dataDir: test.dir,
    ...(adminPassword === undefined ? {} : { adminPassword }),
    seedDemo: true,
    sipRealm: "forkline",
    recorderUri: "sip:127.0.0.1:5080",
  });
  return test;
}
