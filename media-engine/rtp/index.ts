export * from "./media-bridge";
export * from "./media-endpoint";
export * from "../../common/rtp-port-pool";
export * from "./rtp-endpoint";
export * from "./engine-port-pool";
