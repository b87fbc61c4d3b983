import type { SdpAttribute, SdpBandwidth, SdpConnection, SessionDescription } from "./sdp-types";

const connection = (c: SdpConnection) => `c=${c.netType} ${c.addrType} ${c.address}`;
const bandwidth = (b: SdpBandwidth) => `b=${b.type}:${b.value}`;
const attribute = (a: SdpAttribute) => (a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`);

/**
 * Writes a session description with CRLF line endings in the RFC 4566 §5 field order:
 * v= o= s= i= u= e= p= c= b= (t= r=)+ z= k= a= then, per media description, m= i= c= b= k= a=.
 * RFC 4566 §5: "Some lines in each description are REQUIRED and some are OPTIONAL, but all MUST
 * appear in exactly the order given here" and "the sequence CRLF (0x0d0a) is used to end a record".
 */
export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const lines = [
    `v=${sdp.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName}`,
  ];
  if (sdp.information !== undefined) lines.push(`i=${sdp.information}`);
  if (sdp.uri !== undefined) lines.push(`u=${sdp.uri}`);
  for (const email of sdp.emails) lines.push(`e=${email}`);
  for (const phone of sdp.phones) lines.push(`p=${phone}`);
  if (sdp.connection !== undefined) lines.push(connection(sdp.connection));
  lines.push(...sdp.bandwidths.map(bandwidth));
  for (const timing of sdp.timings) {
    lines.push(`t=${timing.start} ${timing.stop}`);
    for (const repeat of timing.repeats) lines.push(`r=${repeat}`);
  }
  if (sdp.timeZones !== undefined) lines.push(`z=${sdp.timeZones}`);
  if (sdp.key !== undefined) lines.push(`k=${sdp.key}`);
  lines.push(...sdp.attributes.map(attribute));
  for (const m of sdp.media) {
    const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
    lines.push(`m=${m.media} ${port} ${m.protocol} ${m.formats.join(" ")}`);
    if (m.title !== undefined) lines.push(`i=${m.title}`);
    if (m.connection !== undefined) lines.push(connection(m.connection));
    lines.push(...m.bandwidths.map(bandwidth));
    if (m.key !== undefined) lines.push(`k=${m.key}`);
    lines.push(...m.attributes.map(attribute));
  }
  return lines.join("\r\n") + "\r\n";
}
