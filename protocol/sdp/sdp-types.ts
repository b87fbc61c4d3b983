/** RFC 3264 §5.1 direction attributes; "sendrecv" is the default when none is present. */
export type SdpDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** RFC 4566 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/**
 * RFC 4566 §5.7: c=<nettype> <addrtype> <connection-address>. A multicast TTL or address count
 * suffix ("224.2.36.42/127/3") is kept verbatim inside `address`.
 */
export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

/** RFC 4566 §5.8: b=<bwtype>:<bandwidth> */
export interface SdpBandwidth {
  type: string;
  value: number;
}

/** RFC 4566 §5.13: a=<attribute> or a=<attribute>:<value>; order is preserved. */
export interface SdpAttribute {
  name: string;
  value?: string;
}

/** RFC 4566 §5.9 t=<start-time> <stop-time>, with the §5.10 r= lines that follow it, verbatim. */
export interface SdpTiming {
  start: string;
  stop: string;
  repeats: string[];
}

/** RFC 4566 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its fields. */
export interface MediaDescription {
  media: string;
  port: number;
  portCount?: number;
  protocol: string;
  formats: string[];
  title?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  key?: string;
  attributes: SdpAttribute[];
}

export interface SessionDescription {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  timings: SdpTiming[];
  /** The z= value verbatim. */
  timeZones?: string;
  key?: string;
  attributes: SdpAttribute[];
  media: MediaDescription[];
}

/** RFC 4566 §6: a=rtpmap:<payload type> <encoding name>/<clock rate> [/<encoding parameters>] */
export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}
