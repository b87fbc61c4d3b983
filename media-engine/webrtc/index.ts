export * from "./web-rtc-endpoint";
export * from "./web-rtc-negotiation-error";
export type { NegotiatedCodec } from "./prepare-offer";
