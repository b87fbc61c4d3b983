export * from "./replay-window";
export * from "./srtp-context";
export * from "./srtp-error";
export * from "./srtp-key-derivation";
export * from "./srtp-suite";
export * from "./srtp-session";
