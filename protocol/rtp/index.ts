export * from "./g711";
export * from "./rtp-header";
export * from "./telephone-event";
export * from "./rtp-receiver-stats";
export * from "./rtcp";
export * from "./serialize-sdes-cname";
