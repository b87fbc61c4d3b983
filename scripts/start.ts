import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadEnvOrExit } from "../common/env-schema";
import type { ReadyMessage } from "../common/process-ready";
import { ChildSupervisor } from "./child-supervisor";
import { loadLauncherEnv, type Service } from "./launcher-env";

// `npm start`: prepares what is missing (Prisma client, migrations, the Next.js build), then
// runs the three Forkline processes and keeps them running until Ctrl-C or SIGTERM.

const env = loadEnvOrExit("forkline", () => loadLauncherEnv(process.env));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

function run(label: string, command: string, args: string[]) {
  const result = spawnSync(command, args, { stdio: "inherit", env: env.childEnvironment, cwd: root });
  if (result.status !== 0) {
    console.error(`forkline: ${label} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

if (
  !fs.existsSync(path.join(root, "generated", "prisma", "index.js")) ||
  !fs.existsSync(path.join(root, "generated", "prisma-postgresql", "index.js"))
) {
  run("prisma generate", process.execPath, [path.join(root, "scripts", "prisma-generate.mjs")]);
}
const runs = (service: Service) => env.FORKLINE_SERVICES.includes(service);
// Only the server uses the database and serves the web UI: a media host needs neither.
if (runs("server")) {
  run("database migration", process.execPath, [path.join(root, "scripts", "migrate.mjs")]);
  if (env.FORKLINE_AUTO_BUILD === "true" && uiBuildIsStale()) {
    console.log("forkline: building the web UI (next build)…");
    run("next build", bin("next"), ["build"]);
  }
}

const specs = [
  ...(runs("server") ? [{ name: "server", script: "server/main.ts", env: env.childEnvironment }] : []),
  ...(runs("recorder") ? [{ name: "recorder", script: "recorder/main.ts", env: env.childEnvironment }] : []),
  ...(runs("media-engine")
    ? env.mediaEngineEnvironments.map((workerEnv, i) => ({
        name: i === 0 ? "media-engine" : `media-engine-${i + 1}`,
        script: "media-engine/main.ts",
        env: workerEnv,
      }))
    : []),
];
const supervisors = specs.map((s) => new ChildSupervisor(s));
let stopping = false;

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  // The server first: it ends the calls (BYE to the parties) and their recordings through the
  // media engine, and writes each recording's outcome from the engine's final report. Stopped
  // at the same time, the engine could be gone before it reported, and the history would not
  // know whether the recorder had everything.
  const server = supervisors.find((s) => s.name === "server");
  await server?.stop();
  await Promise.all(supervisors.filter((s) => s !== server).map((s) => s.stop()));
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

const firstReady = supervisors.map(
  (s) =>
    new Promise<ReadyMessage>((resolve, reject) => {
      s.once("ready", resolve);
      s.once("fatal", (f) => reject(new Error(f.reason)));
    }),
);
for (const [index, s] of supervisors.entries()) {
  const name = specs[index]?.name ?? "child";
  s.on("output", (line) => console.log(line));
  s.on("restarting", ({ code, signal, delayMs }) =>
    console.error(`forkline: ${name} exited (${signal ?? `code ${code}`}); restarting in ${delayMs} ms`),
  );
  s.on("ready", () => console.log(`forkline: ${name} ready`));
  s.on("fatal", ({ reason }) => {
    console.error(`forkline: ${name} cannot start: ${reason}`);
    void stopAll(1);
  });
  s.start();
}

const timeout = setTimeout(() => {
  console.error(`forkline: not every process was ready after ${env.FORKLINE_READY_TIMEOUT_MS} ms; stopping`);
  void stopAll(1);
}, env.FORKLINE_READY_TIMEOUT_MS);

try {
  const ready = await Promise.all(firstReady);
  clearTimeout(timeout);
  const of = (name: string) => ready[specs.findIndex((spec) => spec.name === name)];
  printSummary(
    of("server"),
    of("recorder"),
    ready.filter((_, i) => specs[i]!.name.startsWith("media-engine")),
  );
} catch {
  // A fatal child already triggered stopAll with its message.
}

function printSummary(
  server: ReadyMessage | undefined,
  recorder: ReadyMessage | undefined,
  mediaEngines: ReadyMessage[],
) {
  const urls = (server?.urls ?? {}) as { ui?: string; trpc?: string };
  const lines = [
    "",
    "Forkline is running.",
    ...(server === undefined
      ? []
      : [`  Web UI        ${urls.ui ?? "?"}`, `  tRPC API      ${urls.trpc ?? "?"}`]),
    ...mediaEngines.map((engine) => `  Media engine  ${String(engine.http)}/metrics (${String(engine.sip)})`),
    ...(recorder === undefined
      ? []
      : [
          `  Lab recorder  ${String(recorder.http ?? "?")}/recordings (token: ${String(recorder.tokenFile)})`,
        ]),
  ];
  const credentials = (server?.credentials ?? []) as { username: string; password: string; role: string }[];
  if (credentials.length > 0) {
    lines.push(
      "",
      "First start: these accounts were created (shown once; also saved in " +
        String(server?.credentialsFile) +
        "):",
    );
    for (const c of credentials) lines.push(`  ${c.role.padEnd(11)} ${c.username.padEnd(11)} ${c.password}`);
  }
  lines.push(
    ...(server === undefined
      ? []
      : [`  CLI token     ${String(server.apiTokenFile)} (npx forkline dn list)`]),
    "",
    "Press Ctrl-C to stop.",
    "",
  );
  console.log(lines.join("\n"));
}

/** Missing build, or UI sources newer than it: a stale UI would show yesterday's pages. */
function uiBuildIsStale(): boolean {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const newest = (dir: string): number => {
    if (!fs.existsSync(dir)) return 0;
    let max = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      max = Math.max(max, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
    }
    return max;
  };
  return Math.max(newest(path.join(root, "app")), newest(path.join(root, "common"))) > builtAt;
}
