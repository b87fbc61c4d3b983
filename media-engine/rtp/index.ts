export * from "./media-bridge";
export * from "./media-endpoint";
export * from "../../common/rtp-port-pool";
export * from "./rtp-endpoint";
