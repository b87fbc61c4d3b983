export * from "./media-bridge";
export * from "./media-endpoint";
export * from "./port-pool";
export * from "./rtp-endpoint";
