export * from "./create-answer";
export * from "./get-attribute";
export * from "./media-address";
export * from "./media-direction";
export * from "./parse-sdp";
export * from "./rtp-maps";
export * from "./sdp-types";
export * from "./serialize-sdp";
