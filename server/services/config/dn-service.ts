import type { z } from "zod";
import type {
  DnType,
  DtmfMasking,
  RecordingTone,
  RecordingToneParties,
  RouteRecord,
  zSetDnInput,
} from "../../../common/schemas/config-schemas";
import { computeDigestHa1 } from "../../../protocol/sip";
import { AppError, AppErrorCode } from "../../errors/app-error";
import type { Dn, Prisma } from "../../../generated/prisma";
import type { Actor } from "../actor";
import { recordAudit } from "../audit/record-audit";
import type { Db } from "../db";
import { containsText } from "../contains-text";
import { configEvents } from "./config-events";
import type { MediaEncryptionPolicy } from "../../../protocol/msml/engine-contract";

export type DnView = {
  id: string;
  number: string;
  type: DnType;
  displayName: string;
  record: boolean;
  hasPassword: boolean;
  peer: string | null;
  peerPortMatch: boolean;
  inboundNumbers: string[];
  outboundPrefix: string | null;
  routeTarget: string | null;
  routeRecord: RouteRecord;
  routeParams: Record<string, string>;
  dtmfMasking: DtmfMasking;
  mediaEncryption: MediaEncryptionPolicy;
  recordingTone: RecordingTone;
  recordingToneEverySeconds: number;
  recordingToneParties: RecordingToneParties;
  updatedAt: Date;
};

export function toDnView(row: Dn): DnView {
  return {
    id: row.id,
    number: row.number,
    type: row.type as DnType,
    displayName: row.displayName,
    record: row.record,
    hasPassword: row.sipHa1Md5 !== null,
    peer: row.peerHost ? `${row.peerHost}:${row.peerPort ?? 5060}` : null,
    peerPortMatch: row.peerPortMatch,
    inboundNumbers: row.inboundNumbers ? row.inboundNumbers.split(",") : [],
    outboundPrefix: row.outboundPrefix,
    routeTarget: row.routeTarget,
    routeRecord: row.routeRecord as RouteRecord,
    routeParams: JSON.parse(row.routeParams) as Record<string, string>,
    dtmfMasking: row.dtmfMasking as DtmfMasking,
    mediaEncryption: row.mediaEncryption as MediaEncryptionPolicy,
    recordingTone: row.recordingTone as RecordingTone,
    recordingToneEverySeconds: row.recordingToneEverySeconds,
    recordingToneParties: row.recordingToneParties as RecordingToneParties,
    updatedAt: row.updatedAt,
  };
}

export async function listDns(db: Db, filter: { type?: DnType; record?: boolean; search?: string } = {}) {
  const rows = await db.dn.findMany({
    where: {
      type: filter.type,
      record: filter.record,
      ...(filter.search
        ? {
            OR: [
              { number: containsText(db, filter.search) },
              { displayName: containsText(db, filter.search) },
            ],
          }
        : {}),
    },
    orderBy: [{ type: "asc" }, { number: "asc" }],
  });
  return rows.map(toDnView);
}

export async function getDn(db: Db, number: string): Promise<DnView> {
  const row = await db.dn.findUnique({ where: { number } });
  if (!row) throw new AppError(AppErrorCode.NOT_FOUND, `No DN ${number}.`);
  return toDnView(row);
}

/**
 * Creates or updates one DN. Fields that do not belong to the DN's type are refused rather
 * than silently dropped, so a typo in a CLI flag never looks like success.
 */
export async function setDn(
  db: Db,
  actor: Actor,
  input: z.output<typeof zSetDnInput>,
  sipRealm: string,
): Promise<DnView> {
  const view = await db.$transaction((tx) => setDnInTx(tx, actor, input, sipRealm));
  configEvents.emitChange({ entity: "Dn", id: view.number });
  return view;
}

/**
 * setDn's checks and writes inside a transaction the caller owns (a bulk import applies many in
 * one): the caller emits the config change once its transaction has committed.
 */
export async function setDnInTx(
  tx: Prisma.TransactionClient,
  actor: Actor,
  input: z.output<typeof zSetDnInput>,
  sipRealm: string,
): Promise<DnView> {
  assertFieldsFitType(input);
  const before = await tx.dn.findUnique({ where: { number: input.number } });
  if (before && input.intent === "create") {
    throw new AppError(
      AppErrorCode.CONFLICT,
      `${input.number} already exists — edit it instead of adding it again.`,
      { field: "number" },
    );
  }
  if (!before && input.intent === "update") {
    throw new AppError(AppErrorCode.NOT_FOUND, `No DN ${input.number}: it was deleted meanwhile.`, {
      field: "number",
    });
  }
  if (before && before.type !== input.type) {
    throw new AppError(
      AppErrorCode.CONFLICT,
      `DN ${input.number} is ${withArticle(before.type as DnType)}; delete it before giving the number another type.`,
      { field: "type" },
    );
  }
  if (!before && input.type === "extension" && !input.password) {
    throw new AppError(AppErrorCode.INVALID_INPUT, "A new extension needs a SIP password.", {
      field: "password",
    });
  }
  if (!before && input.type === "trunk" && !input.peer) {
    throw new AppError(AppErrorCode.INVALID_INPUT, "A new trunk needs a peer host:port.", {
      field: "peer",
    });
  }
  if (input.routeTarget) {
    const target = await tx.dn.findUnique({ where: { number: input.routeTarget } });
    if (!target || target.type === "routing_point") {
      throw new AppError(
        AppErrorCode.INVALID_INPUT,
        `Route target ${input.routeTarget} must be an existing extension or trunk.`,
        { field: "routeTarget" },
      );
    }
  }
  const data = {
    displayName: input.displayName,
    record: input.record,
    ...(input.password
      ? {
          sipHa1Md5: computeDigestHa1("MD5", input.number, sipRealm, input.password),
          sipHa1Sha256: computeDigestHa1("SHA-256", input.number, sipRealm, input.password),
        }
      : {}),
    ...(input.peer ? { peerHost: input.peer.host, peerPort: input.peer.port } : {}),
    peerPortMatch: input.peerPortMatch,
    inboundNumbers: input.inboundNumbers?.join(","),
    outboundPrefix: input.outboundPrefix,
    routeTarget: input.routeTarget,
    routeRecord: input.routeRecord,
    routeParams: input.routeParams ? JSON.stringify(input.routeParams) : undefined,
    dtmfMasking: input.dtmfMasking,
    mediaEncryption: input.mediaEncryption,
    recordingTone: input.recordingTone,
    recordingToneEverySeconds: input.recordingToneEverySeconds,
    recordingToneParties: input.recordingToneParties,
  };
  const row = before
    ? await tx.dn.update({ where: { id: before.id }, data })
    : await tx.dn.create({ data: { ...data, number: input.number, type: input.type } });
  const after = toDnView(row);
  await recordAudit(tx, actor, {
    action: before ? "dn.update" : "dn.create",
    entity: "Dn",
    entityId: row.number,
    before: before ? auditable(toDnView(before)) : undefined,
    after: { ...auditable(after), ...(input.password ? { passwordChanged: true } : {}) },
  });
  return after;
}

/**
 * Sets `record` on one or many DNs in one transaction: all change or none does, so a bulk
 * toggle that names a routing point or an unknown number leaves everything as it was.
 */
export async function setDnRecord(
  db: Db,
  actor: Actor,
  numbers: string[],
  record: boolean,
): Promise<DnView[]> {
  const views = await db.$transaction(async (tx) => {
    const out: DnView[] = [];
    for (const number of numbers) {
      const before = await tx.dn.findUnique({ where: { number } });
      if (!before) throw new AppError(AppErrorCode.NOT_FOUND, `No DN ${number}.`);
      if (before.type === "routing_point") {
        throw new AppError(
          AppErrorCode.INVALID_INPUT,
          `${number} is a routing point: it has no full-time record option; set its strategy's record value instead.`,
          { field: "record" },
        );
      }
      const row = await tx.dn.update({ where: { id: before.id }, data: { record } });
      await recordAudit(tx, actor, {
        action: "dn.record",
        entity: "Dn",
        entityId: number,
        before: { record: before.record },
        after: { record: row.record },
      });
      out.push(toDnView(row));
    }
    return out;
  });
  for (const view of views) configEvents.emitChange({ entity: "Dn", id: view.number });
  return views;
}

export async function deleteDn(db: Db, actor: Actor, number: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const before = await tx.dn.findUnique({ where: { number } });
    if (!before) throw new AppError(AppErrorCode.NOT_FOUND, `No DN ${number}.`);
    const routedHere = await tx.dn.findFirst({ where: { routeTarget: number } });
    if (routedHere) {
      throw new AppError(
        AppErrorCode.CONFLICT,
        `Routing point ${routedHere.number} routes to ${number}; change its target first.`,
      );
    }
    await tx.dn.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, {
      action: "dn.delete",
      entity: "Dn",
      entityId: number,
      before: auditable(toDnView(before)),
    });
  });
  configEvents.emitChange({ entity: "Dn", id: number });
}

function auditable(view: DnView) {
  const { id: _id, updatedAt: _u, ...rest } = view;
  return rest;
}

const RECORDING_TONE_FIELDS = ["recordingTone", "recordingToneEverySeconds", "recordingToneParties"];

/** The settings each DN type has (besides number and type): any other is refused, not dropped. */
export const DN_FIELDS_BY_TYPE: Record<DnType, readonly string[]> = {
  extension: [
    "displayName",
    "record",
    "password",
    "dtmfMasking",
    "mediaEncryption",
    ...RECORDING_TONE_FIELDS,
  ],
  trunk: [
    "displayName",
    "record",
    "peer",
    "peerPortMatch",
    "inboundNumbers",
    "outboundPrefix",
    "dtmfMasking",
    "mediaEncryption",
    ...RECORDING_TONE_FIELDS,
  ],
  routing_point: ["displayName", "routeTarget", "routeRecord", "routeParams"],
};

function assertFieldsFitType(input: z.output<typeof zSetDnInput>) {
  for (const [key, value] of Object.entries(input)) {
    if (key === "number" || key === "type" || key === "intent" || value === undefined) continue;
    if (!DN_FIELDS_BY_TYPE[input.type].includes(key)) {
      throw new AppError(AppErrorCode.INVALID_INPUT, `${key} does not apply to ${withArticle(input.type)}.`, {
        field: key,
      });
    }
  }
}

function withArticle(type: DnType): string {
  return { extension: "an extension", trunk: "a trunk", routing_point: "a routing point" }[type];
}
