import { isTransportProtocol } from "../../../sip-core";
import type { RegistrationStore, SavedBinding } from "../../sip/registrar/registration-store";
import type { Db } from "../db";

/** The registrar's bindings in the Registration table (see RegistrationStore). */
export class RegistrationService implements RegistrationStore {
  constructor(private readonly db: Db) {}

  async save(aor: string, bindings: readonly SavedBinding[]): Promise<void> {
    await this.db.$transaction([
      this.db.registration.deleteMany({ where: { aor } }),
      this.db.registration.createMany({
        data: bindings.map((b) => ({
          aor,
          contact: b.contact,
          expiresAt: b.expiresAt,
          callId: b.callId,
          cseq: b.cseq,
          transport: b.source.transport,
          sourceHost: b.source.host,
          sourcePort: b.source.port,
          connectionId: b.source.connectionId ?? null,
          instanceId: b.instanceId ?? null,
          regId: b.regId ?? null,
          q: b.q ?? null,
          userAgent: b.userAgent ?? null,
        })),
      }),
    ]);
  }

  async load(): Promise<SavedBinding[]> {
    const rows = await this.db.registration.findMany({ orderBy: { expiresAt: "asc" } });
    return rows
      .filter((row) => isTransportProtocol(row.transport))
      .map((row) => ({
        aor: row.aor,
        contact: row.contact,
        expiresAt: row.expiresAt,
        callId: row.callId,
        cseq: row.cseq,
        source: {
          transport: row.transport as SavedBinding["source"]["transport"],
          host: row.sourceHost,
          port: row.sourcePort,
          ...(row.connectionId === null ? {} : { connectionId: row.connectionId }),
        },
        ...(row.instanceId === null ? {} : { instanceId: row.instanceId }),
        ...(row.regId === null ? {} : { regId: row.regId }),
        ...(row.q === null ? {} : { q: row.q }),
        ...(row.userAgent === null ? {} : { userAgent: row.userAgent }),
      }));
  }
}
