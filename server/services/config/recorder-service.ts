import type { Prisma } from "../../../generated/prisma";
import type { z } from "zod";
import type { RecorderMode, zSetRecorderInput } from "../../../common/schemas/config-schemas";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import { configEvents } from "./config-events";
import type { MediaEncryptionPolicy } from "../../../protocol/msml/engine-contract";

const view = (r: {
  id: string;
  name: string;
  uri: string;
  position: number;
  enabled: boolean;
  mediaEncryption: string;
  playbackUrl: string;
  updatedAt: Date;
}) => ({
  id: r.id,
  name: r.name,
  uri: r.uri,
  position: r.position,
  enabled: r.enabled,
  mediaEncryption: r.mediaEncryption as MediaEncryptionPolicy,
  playbackUrl: r.playbackUrl,
  updatedAt: r.updatedAt,
});
export type RecorderView = ReturnType<typeof view>;

const MODE_KEY = "recorder.mode";

/** failover (the default) or parallel: how recordings use the recorder list. */
export async function getRecorderMode(db: Db): Promise<RecorderMode> {
  const row = await db.setting.findUnique({ where: { key: MODE_KEY } });
  return row?.value === "parallel" ? "parallel" : "failover";
}

/** Switches failover ⇄ parallel for recordings that start afterwards; audited. */
export async function setRecorderMode(
  db: Db,
  actor: Actor,
  mode: RecorderMode,
): Promise<{ mode: RecorderMode }> {
  await db.$transaction(async (tx) => {
    const before = await tx.setting.findUnique({ where: { key: MODE_KEY } });
    await tx.setting.upsert({
      where: { key: MODE_KEY },
      create: { key: MODE_KEY, value: mode },
      update: { value: mode },
    });
    await recordAudit(tx, actor, {
      action: "recorder.mode",
      entity: "Setting",
      entityId: MODE_KEY,
      before: { mode: before?.value ?? "failover" },
      after: { mode },
    });
  });
  configEvents.emitChange({ entity: "Recorder", id: MODE_KEY });
  return { mode };
}

/** The failover list, in the order a recording session tries recorders. */
export async function listRecorders(db: Db) {
  const rows = await db.recorder.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] });
  return rows.map(view);
}

/**
 * Creates or updates a recorder. Giving a position moves the recorder there and shifts the
 * others down, so the failover order stays a clean 1..n sequence.
 */
export async function setRecorder(db: Db, actor: Actor, input: z.output<typeof zSetRecorderInput>) {
  const result = await db.$transaction(async (tx) => {
    const before = await tx.recorder.findUnique({ where: { name: input.name } });
    // An Add with a name in use would otherwise replace that recorder's URI without a word.
    if (before && input.intent === "create") {
      throw new AppError(
        AppErrorCode.CONFLICT,
        `Recorder ${input.name} already exists — edit it instead of adding it again.`,
        { field: "name" },
      );
    }
    if (!before && input.intent === "update") {
      throw new AppError(AppErrorCode.NOT_FOUND, `No recorder ${input.name}: it was deleted meanwhile.`, {
        field: "name",
      });
    }
    if (!before && !input.uri) {
      throw new AppError(AppErrorCode.INVALID_INPUT, "A new recorder needs a SIP URI.", { field: "uri" });
    }
    const all = await tx.recorder.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] });
    const others = all.filter((r) => r.name !== input.name);
    const wanted = Math.min(input.position ?? before?.position ?? others.length + 1, others.length + 1);
    const row = before
      ? await tx.recorder.update({
          where: { id: before.id },
          data: {
            uri: input.uri,
            enabled: input.enabled,
            position: wanted,
            mediaEncryption: input.mediaEncryption,
            playbackUrl: input.playbackUrl,
          },
        })
      : await tx.recorder.create({
          data: {
            name: input.name,
            uri: input.uri ?? "",
            enabled: input.enabled ?? true,
            position: wanted,
            ...(input.mediaEncryption === undefined ? {} : { mediaEncryption: input.mediaEncryption }),
            ...(input.playbackUrl === undefined ? {} : { playbackUrl: input.playbackUrl }),
          },
        });
    others.splice(wanted - 1, 0, row);
    await writeFailoverOrder(tx, others);
    const saved = await tx.recorder.findUniqueOrThrow({ where: { id: row.id } });
    await recordAudit(tx, actor, {
      action: before ? "recorder.update" : "recorder.create",
      entity: "Recorder",
      entityId: saved.name,
      before: before
        ? {
            uri: before.uri,
            position: before.position,
            enabled: before.enabled,
            mediaEncryption: before.mediaEncryption,
            playbackUrl: before.playbackUrl,
          }
        : undefined,
      after: {
        uri: saved.uri,
        position: saved.position,
        enabled: saved.enabled,
        mediaEncryption: saved.mediaEncryption,
        playbackUrl: saved.playbackUrl,
      },
    });
    return view(saved);
  });
  configEvents.emitChange({ entity: "Recorder", id: result.name });
  return result;
}

export async function deleteRecorder(db: Db, actor: Actor, name: string) {
  await db.$transaction(async (tx) => {
    const before = await tx.recorder.findUnique({ where: { name } });
    if (!before) throw new AppError(AppErrorCode.NOT_FOUND, `No recorder ${name}.`);
    await tx.recorder.delete({ where: { id: before.id } });
    await writeFailoverOrder(
      tx,
      await tx.recorder.findMany({ orderBy: [{ position: "asc" }, { name: "asc" }] }),
    );
    await recordAudit(tx, actor, {
      action: "recorder.delete",
      entity: "Recorder",
      entityId: name,
      before: { uri: before.uri, position: before.position, enabled: before.enabled },
    });
  });
  configEvents.emitChange({ entity: "Recorder", id: name });
}

async function writeFailoverOrder(tx: Prisma.TransactionClient, ordered: { id: string; position: number }[]) {
  for (const [index, r] of ordered.entries()) {
    if (r.position !== index + 1)
      await tx.recorder.update({ where: { id: r.id }, data: { position: index + 1 } });
  }
}

/** Sends OPTIONS to a recorder and reports its answer (the admin page's "Test" button). */
export async function testRecorder(
  db: Db,
  probe: (uri: string) => Promise<{ status: number; reason: string; ms: number }>,
  name: string,
) {
  const recorder = await db.recorder.findUnique({ where: { name } });
  if (!recorder) throw new AppError(AppErrorCode.NOT_FOUND, `No recorder named ${name}.`);
  const answer = await probe(recorder.uri);
  return { name, uri: recorder.uri, ...answer, ok: answer.status === 200 };
}
