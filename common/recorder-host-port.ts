/**
 * The `host:port` of a recorder's SIP URI, lower case, without user part or parameters, and with
 * `localhost` read as 127.0.0.1: how a recording's `recorderUri` is matched to a configured
 * recorder (the recording keeps the URI it was sent to, which may differ in those details).
 */
export function recorderHostPort(uri: string): string | undefined {
  const match = /^sips?:(?:[^@;]*@)?([^;?]+)/i.exec(uri.trim());
  return match?.[1]?.toLowerCase().replace(/^localhost(?=:|$)/, "127.0.0.1");
}

/** A recorder's playback URL template with `{id}` replaced by the recording id (URL-encoded). */
export function playbackLink(template: string, recordingId: string): string {
  return template.replaceAll("{id}", encodeURIComponent(recordingId));
}
