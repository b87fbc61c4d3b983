/**
 * The one path of the web port that upgrades to WebSocket: SIP over WebSocket (RFC 7118), used by
 * the softphone page, accepted by the SIP Server; every other upgrade is answered 404.
 */
export const SIP_WEBSOCKET_PATH = "/sip";
