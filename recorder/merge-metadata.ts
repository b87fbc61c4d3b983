import type { MetadataParticipant, RecordingMetadata } from "../protocol/siprec";

/**
 * The recording's metadata after an update from a re-INVITE or UPDATE. A complete document
 * replaces what was known. A partial one (RFC 7865 `<datamode>partial</datamode>`, as in the
 * RFC 7866 hold example, which carries only the changed `<participantstreamassoc>` elements)
 * changes what it names and leaves the rest: a participant it associates with streams gets
 * exactly those send/recv lists; streams and participants it describes are replaced or added.
 */
export function mergeMetadata(current: RecordingMetadata, update: RecordingMetadata): RecordingMetadata {
  if (update.dataMode === "complete") return update;
  const participants: MetadataParticipant[] = current.participants.map((p) => ({
    ...p,
    send: [...p.send],
    receive: [...p.receive],
  }));
  for (const changed of update.participants) {
    const existing = participants.find((p) => p.id === changed.id);
    if (existing === undefined) {
      participants.push({ ...changed, send: [...changed.send], receive: [...changed.receive] });
      continue;
    }
    if (changed.aor !== "") {
      existing.aor = changed.aor;
      if (changed.name !== undefined) existing.name = changed.name;
    }
    if (changed.dn !== undefined) existing.dn = changed.dn;
    if (changed.agentId !== undefined) existing.agentId = changed.agentId;
    if (changed.role !== undefined) existing.role = changed.role;
    if (changed.send.length > 0 || changed.receive.length > 0) {
      existing.send = [...changed.send];
      existing.receive = [...changed.receive];
    }
  }
  const streams = current.streams.filter((s) => !update.streams.some((u) => u.id === s.id));
  streams.push(...update.streams);
  const merged: RecordingMetadata = {
    ...current,
    session: update.session.id === "" ? current.session : { ...current.session, ...update.session },
    participants,
    streams,
    extension: {
      ...current.extension,
      ...(update.extension.recordingId === undefined ? {} : { recordingId: update.extension.recordingId }),
      params: { ...current.extension.params, ...update.extension.params },
    },
  };
  return merged;
}
