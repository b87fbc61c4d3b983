import type { SdpAttribute } from "./sdp-types";

/** The value of the first `a=<name>` ("" for a property attribute such as a=rtcp-mux), else undefined. */
export function getAttribute(attrs: readonly SdpAttribute[], name: string): string | undefined {
  const found = attrs.find((attr) => attr.name === name);
  return found === undefined ? undefined : (found.value ?? "");
}

/** The values of every `a=<name>`, in order ("" for property attributes). */
export function getAttributes(attrs: readonly SdpAttribute[], name: string): string[] {
  return attrs.filter((attr) => attr.name === name).map((attr) => attr.value ?? "");
}
