export * from "./g711";
export * from "./rtp-header";
export * from "./telephone-event";
