import { TRPCClientError } from "@trpc/client";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formError } from "../../app/_lib/form-errors";
import { loadServerEnv } from "../env";
import { LoginThrottle } from "../services/auth/login-throttle";
import type { Db } from "../services/db";
import { createDemoDb } from "../test-support/demo-db";
import { noLiveCalls, noLiveCallsFeed, noRecordingsToControl, noSipProbe } from "../test-support/no-calls";
import { testActor } from "../test-support/test-caller";
import type { CtiApi } from "../cti/cti-service";
import { appRouter } from "./root";

let db: Db;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ db, cleanup } = await createDemoDb("admin-password-1"));
});
afterEach(() => cleanup());

/** A request through tRPC's own HTTP handling (error formatter included), without a port. */
async function post(path: string, input: unknown) {
  const response = await fetchRequestHandler({
    endpoint: "/api/trpc",
    router: appRouter,
    req: new Request(`http://forkline.test/api/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: input }),
    }),
    createContext: () => ({
      db,
      env: loadServerEnv({}),
      throttle: new LoginThrottle(),
      cti: {} as CtiApi,
      calls: noLiveCalls,
      liveCalls: noLiveCallsFeed,
      recordings: noRecordingsToControl,
      sipProbe: noSipProbe,
      engineStatus: () => null,
      actor: testActor("admin"),
      source: "127.0.0.1",
      sessionToken: null,
      setSessionCookie: () => {},
      clearSessionCookie: () => {},
    }),
  });
  const body = (await response.json()) as { error: { json: { message: string; data: unknown } } };
  return { status: response.status, error: body.error.json };
}

describe("field errors reach the client with their paths", () => {
  it("every zod issue of a refused input, each with the path of its field", async () => {
    const { status, error } = await post("dn.set", {
      number: "bad number!",
      type: "trunk",
      displayName: "x".repeat(65),
      inboundNumbers: ["8001", "eighty"],
    });
    expect(status).toBe(400);
    const data = error.data as { fieldErrors: { path: string; message: string }[] };
    expect(data.fieldErrors).toEqual([
      { path: "number", message: expect.stringMatching(/^DN number: 1–32/) as string },
      { path: "displayName", message: "display name is at most 64 characters" },
      { path: "inboundNumbers.1", message: "must be 1–32 digits (0-9, *, #, +)" },
    ]);
    // The form puts each under its own field, all at once (inboundNumbers is the form's "inbound").
    const client = TRPCClientError.from({ error });
    const shown = formError({ error: client }, ["number", "displayName", "inbound"] as const, (key) =>
      key === "inboundNumbers" ? "inbound" : key === "number" || key === "displayName" ? key : undefined,
    );
    expect(shown.fields).toEqual(["number", "displayName", "inbound"]);
    expect(shown.messages.inbound).toBe("must be 1–32 digits (0-9, *, #, +)");
  });

  it("a service's refusal names its field", async () => {
    const { status, error } = await post("dn.set", {
      intent: "create",
      number: "1001",
      type: "extension",
      password: "secret-1001",
    });
    expect(status).toBe(409);
    expect((error.data as { fieldErrors: unknown }).fieldErrors).toEqual([
      { path: "number", message: "1001 already exists — edit it instead of adding it again." },
    ]);
  });
});
