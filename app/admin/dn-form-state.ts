import {
  type DnType,
  type DtmfMasking,
  type MediaEncryptionPolicy,
  type RecordingTone,
  type RecordingToneParties,
  type RouteRecord,
  type SetDnInput,
} from "../../common/schemas/config-schemas";
import { parseParamsString } from "../../common/schemas/recording-schemas";
import type { RouterOutputs } from "../_lib/trpc";

/** A DN as the list shows it. */
export type DnView = RouterOutputs["dn"]["list"][number];

/** The form as typed: every field of every DN type, strings where the person types. */
export type DnFormState = {
  number: string;
  type: DnType;
  displayName: string;
  password: string;
  peer: string;
  peerPortMatch: boolean;
  inbound: string;
  outboundPrefix: string;
  routeTarget: string;
  routeRecord: RouteRecord;
  routeParams: string;
  dtmfMasking: DtmfMasking;
  mediaEncryption: MediaEncryptionPolicy;
  recordingTone: RecordingTone;
  /** Seconds, as typed. */
  recordingToneEverySeconds: string;
  recordingToneParties: RecordingToneParties;
};
export type DnField = keyof DnFormState;

/** The form's fields in screen order: the first invalid one in this order takes focus. */
export const DN_FIELDS: readonly DnField[] = [
  "number",
  "type",
  "displayName",
  "password",
  "peer",
  "peerPortMatch",
  "inbound",
  "outboundPrefix",
  "routeTarget",
  "routeRecord",
  "routeParams",
  "dtmfMasking",
  "mediaEncryption",
  "recordingTone",
  "recordingToneEverySeconds",
  "recordingToneParties",
];
/** The server's input names where they differ from the form's. */
export const dnFieldOf = (key: string): DnField | undefined =>
  key === "inboundNumbers" ? "inbound" : DN_FIELDS.find((f) => f === key);
export const dnFieldId = (field: DnField) => `dn-field-${field}`;

export const EMPTY_DN_FORM: DnFormState = {
  number: "",
  type: "extension",
  displayName: "",
  password: "",
  peer: "",
  peerPortMatch: true,
  inbound: "",
  outboundPrefix: "",
  routeTarget: "",
  routeRecord: "none",
  routeParams: "",
  dtmfMasking: "events+inband",
  mediaEncryption: "optional",
  recordingTone: "off",
  recordingToneEverySeconds: "15",
  recordingToneParties: "both",
};

/** The form showing a saved DN (its password is never sent back: blank keeps it). */
export function formFromDn(dn: DnView): DnFormState {
  return {
    number: dn.number,
    type: dn.type,
    displayName: dn.displayName,
    password: "",
    peer: dn.peer ?? "",
    peerPortMatch: dn.peerPortMatch,
    inbound: dn.inboundNumbers.join(", "),
    outboundPrefix: dn.outboundPrefix ?? "",
    routeTarget: dn.routeTarget ?? "",
    routeRecord: dn.routeRecord,
    routeParams: new URLSearchParams(dn.routeParams).toString(),
    dtmfMasking: dn.dtmfMasking,
    mediaEncryption: dn.mediaEncryption,
    recordingTone: dn.recordingTone,
    recordingToneEverySeconds: String(dn.recordingToneEverySeconds),
    recordingToneParties: dn.recordingToneParties,
  };
}

/** The fields that belong to the chosen type, in the shape the server's schema takes. */
export function dnInputFrom(form: DnFormState): SetDnInput {
  const common = { number: form.number, type: form.type, displayName: form.displayName || undefined };
  // Extensions and trunks: what recordings of this party's calls do.
  const party = {
    dtmfMasking: form.dtmfMasking,
    mediaEncryption: form.mediaEncryption,
    recordingTone: form.recordingTone,
    recordingToneEverySeconds: Number(form.recordingToneEverySeconds.trim() || Number.NaN),
    recordingToneParties: form.recordingToneParties,
  };
  if (form.type === "extension")
    return {
      ...common,
      password: form.password || undefined,
      ...party,
    };
  if (form.type === "trunk") {
    return {
      ...common,
      ...party,
      peer: form.peer || undefined,
      peerPortMatch: form.peerPortMatch,
      inboundNumbers: form.inbound
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
      outboundPrefix: form.outboundPrefix || null,
    };
  }
  return {
    ...common,
    routeTarget: form.routeTarget || null,
    routeRecord: form.routeRecord,
    routeParams: parseParamsString(form.routeParams),
  };
}
