import { Command, CommanderError, Option } from "commander";
import { TRPCClientError } from "@trpc/client";
import type { z } from "zod";
import { EnvError } from "../common/env-schema";
import {
  zSetAgentLoginInput,
  zSetDnInput,
  zSetRecorderInput,
  zSetRecorderModeInput,
  zSetComplianceInput,
  zSetFullTimeStopInput,
} from "../common/schemas/config-schemas";
import { parseParamsString, zRecordingControlInput } from "../common/schemas/recording-schemas";
import type { AppRouter } from "../server/trpc/root";
import { addBulkCommands } from "./bulk-commands";
import { UsageError, connectWith } from "./connect";
import { printRecord, printRecords } from "./print-records";

function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "),
    );
  }
  return parsed.data;
}

const bool = (name: string) => (value: string) => {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`${name} must be true or false (got "${value}")`);
};

const dnType = (value: string) => value.replace("-", "_");

const DN_COLUMNS = [
  "number",
  "type",
  "displayName",
  "record",
  "peer",
  "routeTarget",
  "routeRecord",
  "dtmfMasking",
  "mediaEncryption",
  "recordingTone",
];
const AGENT_COLUMNS = ["loginCode", "name", "record"];
const RECORDER_COLUMNS = ["position", "name", "uri", "enabled", "mediaEncryption", "playbackUrl"];

const connect = () => connectWith(process.env);

const program = new Command("forkline")
  .description("Forkline admin CLI: talks to the running server's tRPC API")
  .option("--json", "machine-readable output")
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const json = () => Boolean(program.opts<{ json?: boolean }>().json);

// ---- dn ----------------------------------------------------------------------------------
const dn = program.command("dn").description("directory numbers: extensions, trunks, routing points");
dn.command("list")
  .description("list DNs")
  .addOption(
    new Option("--type <type>", "extension | trunk | routing-point").choices([
      "extension",
      "trunk",
      "routing-point",
    ]),
  )
  .option("--record <bool>", "only DNs with record=true|false", bool("--record"))
  .action(async (opts: { type?: string; record?: boolean }) => {
    const rows = await connect().client.dn.list.query({
      type: opts.type ? (dnType(opts.type) as "extension" | "trunk" | "routing_point") : undefined,
      record: opts.record,
    });
    printRecords(json(), rows, DN_COLUMNS);
  });
dn.command("set <number>")
  .description("create or update a DN")
  .addOption(
    new Option("--type <type>", "extension | trunk | routing-point")
      .choices(["extension", "trunk", "routing-point"])
      .makeOptionMandatory(),
  )
  .option("--record <bool>", "full-time recording: true | false", bool("--record"))
  .option("--name <displayName>", "display name")
  .option("--password <password>", "SIP password (extensions)")
  .option("--peer <host:port>", "peer address (trunks)")
  .option(
    "--peer-port-match <bool>",
    "trunks: calls are the trunk's only from the peer's port too (true) or from any port of its address",
    bool("--peer-port-match"),
  )
  .option("--inbound <numbers>", "comma-separated inbound numbers (trunks)")
  .option("--outbound-prefix <digits>", "dialled prefix that selects this trunk")
  .option("--target <dn>", "default route target (routing points)")
  .addOption(
    new Option("--route-record <value>", "default strategy record key (routing points)").choices([
      "none",
      "destination",
      "source",
      "disable_source",
      "disable_destination",
    ]),
  )
  .option("--route-params <k=v&…>", "params attached by the default strategy")
  .addOption(
    new Option(
      "--dtmf-masking <mode>",
      "what of this party's key presses recordings leave out (extensions, trunks)",
    ).choices(["off", "events", "events+inband"]),
  )
  .addOption(
    new Option(
      "--media-encryption <policy>",
      "SRTP on this party's legs: required refuses plain RTP with 488 (extensions, trunks)",
    ).choices(["off", "optional", "required"]),
  )
  .addOption(
    new Option(
      "--recording-tone <mode>",
      "notification tone when a recording of this party's calls starts or resumes, and with repeat every --recording-tone-every seconds (extensions, trunks)",
    ).choices(["off", "start", "repeat"]),
  )
  .option("--recording-tone-every <seconds>", "how often a repeating recording tone sounds (5–3600)")
  .addOption(
    new Option("--recording-tone-parties <who>", "who hears the recording tone").choices([
      "both",
      "customer",
      "agent",
    ]),
  )
  .action(async (number: string, opts: Record<string, string | boolean | undefined>) => {
    const input = validate(zSetDnInput, {
      number,
      type: dnType(String(opts.type)),
      record: opts.record,
      displayName: opts.name,
      password: opts.password,
      peer: opts.peer,
      peerPortMatch: opts.peerPortMatch,
      inboundNumbers:
        typeof opts.inbound === "string" ? opts.inbound.split(",").map((s) => s.trim()) : undefined,
      outboundPrefix: opts.outboundPrefix,
      routeTarget: opts.target,
      routeRecord: opts.routeRecord,
      routeParams: typeof opts.routeParams === "string" ? parseParams(opts.routeParams) : undefined,
      dtmfMasking: opts.dtmfMasking,
      mediaEncryption: opts.mediaEncryption,
      recordingTone: opts.recordingTone,
      recordingToneEverySeconds:
        typeof opts.recordingToneEvery === "string" ? Number(opts.recordingToneEvery) : undefined,
      recordingToneParties: opts.recordingToneParties,
    });
    const { client } = connect();
    const row = await client.dn.set.mutate({
      ...input,
      peer: typeof opts.peer === "string" ? opts.peer : undefined,
    });
    printRecord(json(), row, DN_COLUMNS);
  });
addBulkCommands(dn, "dn", { json, client: () => connect().client });
dn.command("delete <number>")
  .description("delete a DN")
  .action(async (number: string) => {
    await connect().client.dn.delete.mutate({ number });
    printRecord(json(), { deleted: number }, ["deleted"]);
  });

// ---- agent -------------------------------------------------------------------------------
const agent = program.command("agent").alias("agent-login").description("agent logins");
addBulkCommands(agent, "agentLogin", { json, client: () => connect().client });
agent.command("list").action(async () => {
  const rows = await connect().client.agentLogin.list.query();
  printRecords(json(), rows, AGENT_COLUMNS);
});
agent
  .command("set <login>")
  .description("create or update an agent login")
  .option("--record <bool>", "full-time recording: true | false", bool("--record"))
  .option("--name <name>", "agent name")
  .action(async (login: string, opts: { record?: boolean; name?: string }) => {
    const input = validate(zSetAgentLoginInput, { loginCode: login, record: opts.record, name: opts.name });
    const row = await connect().client.agentLogin.set.mutate(input);
    printRecord(json(), row, AGENT_COLUMNS);
  });
agent.command("delete <login>").action(async (login: string) => {
  await connect().client.agentLogin.delete.mutate({ loginCode: login });
  printRecord(json(), { deleted: login }, ["deleted"]);
});

// ---- user -------------------------------------------------------------------------------------
addBulkCommands(program.command("user").description("users (passwords are never exported)"), "user", {
  json,
  client: () => connect().client,
});

// ---- recorder ----------------------------------------------------------------------------
const recorder = program.command("recorder").description("third-party recorders (SIPREC), in failover order");
recorder.command("list").action(async () => {
  const rows = await connect().client.recorder.list.query();
  printRecords(json(), rows, RECORDER_COLUMNS);
});
recorder
  .command("set <name>")
  .description("create or update a recorder")
  .option("--uri <uri>", "SIP URI of the recorder, e.g. sip:127.0.0.1:5080")
  .option("--position <n>", "failover position (1 = first)")
  .option("--enabled <bool>", "true | false", bool("--enabled"))
  .addOption(
    new Option("--media-encryption <policy>", "SRTP on the recording streams sent to it").choices([
      "off",
      "optional",
      "required",
    ]),
  )
  .option(
    "--playback-url <template>",
    'a third-party recorder\'s player, {id} for the recording id (e.g. "https://rec.example/play?id={id}"); "" for none',
  )
  .action(
    async (
      name: string,
      opts: {
        uri?: string;
        position?: string;
        enabled?: boolean;
        mediaEncryption?: string;
        playbackUrl?: string;
      },
    ) => {
      if (opts.position !== undefined && !/^\d+$/.test(opts.position)) {
        throw new UsageError(`--position must be a whole number (got "${opts.position}")`);
      }
      const input = validate(zSetRecorderInput, {
        name,
        uri: opts.uri,
        position: opts.position === undefined ? undefined : Number(opts.position),
        enabled: opts.enabled,
        mediaEncryption: opts.mediaEncryption,
        playbackUrl: opts.playbackUrl,
      });
      const row = await connect().client.recorder.set.mutate(input);
      printRecord(json(), row, RECORDER_COLUMNS);
    },
  );
recorder
  .command("mode [mode]")
  .description("show, or set to failover | parallel, how recordings use the recorder list")
  .action(async (mode?: string) => {
    const client = connect().client;
    const row =
      mode === undefined
        ? await client.recorder.mode.query()
        : await client.recorder.setMode.mutate(validate(zSetRecorderModeInput, { mode }));
    printRecord(json(), row, ["mode"]);
  });
program
  .command("compliance")
  .description(
    "show the recording compliance rules, or set who may stop a full-time recording, whether a stop needs a reason, and the longest pause",
  )
  .option("--full-time-stop <who>", "supervisors (and admins; the default) or anyone (agents too)")
  .option("--stop-reason <rule>", "required (the default: stored in the history) or optional")
  .option("--max-pause <seconds>", "the longest pause before the recording resumes by itself; 0: no limit")
  .action(async (opts: { fullTimeStop?: string; stopReason?: string; maxPause?: string }) => {
    const client = connect().client;
    if (opts.maxPause !== undefined && !/^\d+$/.test(opts.maxPause)) {
      throw new UsageError(`--max-pause must be a whole number of seconds (got "${opts.maxPause}")`);
    }
    if (opts.fullTimeStop !== undefined) {
      await client.compliance.setFullTimeStop.mutate(
        validate(zSetFullTimeStopInput, { fullTimeStop: opts.fullTimeStop }),
      );
    }
    if (opts.stopReason !== undefined || opts.maxPause !== undefined) {
      await client.compliance.set.mutate(
        validate(zSetComplianceInput, {
          stopReason: opts.stopReason,
          maxPauseSeconds: opts.maxPause === undefined ? undefined : Number(opts.maxPause),
        }),
      );
    }
    printRecord(json(), await client.compliance.get.query(), [
      "fullTimeStop",
      "stopReason",
      "maxPauseSeconds",
    ]);
  });
recorder.command("delete <name>").action(async (name: string) => {
  await connect().client.recorder.delete.mutate({ name });
  printRecord(json(), { deleted: name }, ["deleted"]);
});
// `forkline recorder` alone runs the lab SIPREC recorder in this process, on its own.
recorder
  .description(
    "third-party recorders (SIPREC), in failover order; without a subcommand, run the lab recorder " +
      "(RECORDER_SIP_PORT, RECORDER_HTTP_PORT, RECORDINGS_DIR) until Ctrl-C",
  )
  .action(async () => {
    await import("../recorder/main");
    await new Promise<never>(() => undefined);
  });

// ---- calls and recording control -------------------------------------------------------------
program
  .command("calls")
  .description("live calls")
  .action(async () => {
    const rows = await connect().client.calls.list.query();
    const party = (p: { number: string; name: string; agent: { id: string } | null } | null) =>
      p === null
        ? ""
        : [p.number, p.name && `(${p.name})`, p.agent && `agent ${p.agent.id}`].filter(Boolean).join(" ");
    const side = (row: (typeof rows)[number], s: "source" | "destination") => {
      const r = row.recordings.find((x) => x.side === s);
      return r ? `${r.state} (${r.trigger})` : "";
    };
    printRecords(
      json(),
      json()
        ? rows
        : rows.map((row) => ({
            connId: row.connId,
            state: row.state,
            caller: party(row.caller),
            callee: party(row.callee),
            dialed: row.dialed,
            startedAt: row.startedAt,
            source: side(row, "source"),
            destination: side(row, "destination"),
          })),
      ["connId", "state", "caller", "callee", "dialed", "startedAt", "source", "destination"],
    );
  });
const record = program.command("record").description("mid-call recording control (TRequestPrivateService)");
for (const action of ["start", "stop", "pause", "resume"] as const) {
  record
    .command(`${action} <call-id>`)
    .addOption(
      new Option("--side <side>", "source | destination")
        .choices(["source", "destination"])
        .default("source"),
    )
    .option("--id <id>", "recording session id (globally unique)")
    .option("--dest <uri>", "recorder SIP URI overriding the default")
    .option("--params <k=v&…>", "key-value pairs for the recording session")
    .action(async (callId: string, opts: { side: string; id?: string; dest?: string; params?: string }) => {
      const input = validate(zRecordingControlInput, {
        callId,
        side: opts.side,
        id: opts.id,
        dest: opts.dest,
        params: opts.params === undefined ? undefined : parseParams(opts.params),
      });
      const result = await connect().client.recording[action].mutate(input);
      printRecord(json(), result as unknown as Record<string, unknown>, ["callId"]);
    });
}

function parseParams(value: string): Record<string, string> {
  try {
    return parseParamsString(value);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof UsageError || error instanceof EnvError) {
    process.stderr.write(`forkline: ${error.message}\n`);
    return 2;
  }
  if (error instanceof TRPCClientError) {
    const cause = (error as TRPCClientError<AppRouter>).cause as { code?: string } | undefined;
    if (cause?.code === "ECONNREFUSED" || /fetch failed/.test(error.message)) {
      process.stderr.write("forkline: cannot reach the Forkline server: is it running (npm start)?\n");
      return 3;
    }
    const data = (error as TRPCClientError<AppRouter>).data;
    const code = data?.code ?? "ERROR";
    // A recording refusal also names its T-Library code (what CTI clients get in EventError).
    const tlibCode = data?.appError?.tlibCode;
    process.stderr.write(
      `forkline: ${error.message} [${tlibCode === undefined ? code : `${code} ${tlibCode}`}]\n`,
    );
    return 1;
  }
  throw error;
}
