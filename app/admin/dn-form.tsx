"use client";

import { type FormEvent, useState } from "react";
import {
  DTMF_MASKING_MODES,
  type DnType,
  MEDIA_ENCRYPTION_POLICIES,
  RECORDING_TONE_MODES,
  RECORDING_TONE_PARTIES,
  ROUTE_RECORD_VALUES,
  MAX_LENGTH,
  type SetDnInput,
  zSetDnInput,
} from "../../common/schemas/config-schemas";
import {
  DN_FIELDS,
  type DnField,
  type DnFormState,
  type DnView,
  dnFieldId,
  dnFieldOf,
  dnInputFrom,
  EMPTY_DN_FORM,
  formFromDn,
} from "./dn-form-state";
import {
  DTMF_MASKING_LABELS,
  MEDIA_ENCRYPTION_LABELS,
  RECORDING_TONE_LABELS,
  RECORDING_TONE_PARTY_LABELS,
} from "./dn-setting-labels";
import {
  Field,
  FormMessage,
  type FormMessageValue,
  SelectField,
  SubmitButton,
} from "../_components/form-controls";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { type FieldMessages, type FormError, formError, withoutFields } from "../_lib/form-errors";
import { trpc } from "../_lib/trpc";

const DN_MESSAGE_ID = "dn-form-message";

export function DnForm(props: { editing: DnView | null; onSaved: () => void; onCancel: () => void }) {
  const { editing } = props;
  const utils = trpc.useUtils();
  const focusAfterRender = useFocusAfterRender();
  const [form, setForm] = useState<DnFormState>(() => (editing ? formFromDn(editing) : EMPTY_DN_FORM));
  const [loadedFrom, setLoadedFrom] = useState(editing);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [errors, setErrors] = useState<FieldMessages<DnField>>({});
  // Starting or leaving an edit loads that DN or an empty form. Adjusted while rendering (React's
  // advice over an effect) so the fields never show the previous DN for a frame; the message is
  // kept when leaving, since a successful save of the edit is what ends it.
  if (editing !== loadedFrom) {
    setLoadedFrom(editing);
    setForm(editing ? formFromDn(editing) : EMPTY_DN_FORM);
    setErrors({});
    if (editing) setMessage(null);
  }

  const save = trpc.dn.set.useMutation({
    onSuccess: async (dn) => {
      setMessage({ kind: "ok", text: `Saved DN ${dn.number}.` });
      setErrors({});
      if (editing) props.onSaved();
      else setForm({ ...EMPTY_DN_FORM, type: form.type });
      // The Save button was disabled while saving, which took focus from it: the outcome takes it.
      focusAfterRender(byId(DN_MESSAGE_ID));
      await utils.dn.list.invalidate();
    },
    onError: (error) => refuse(formError({ error }, DN_FIELDS, dnFieldOf)),
  });

  /**
   * Shows every problem, each next to its field and all of them in the form's message, and puts
   * focus on the first field concerned (or on the message).
   */
  function refuse(error: FormError<DnField>) {
    setMessage({ kind: "error", text: error.text });
    setErrors(error.messages ?? Object.fromEntries(error.fields.map((f) => [f, error.text])));
    focusAfterRender(
      () =>
        error.fields.map((f) => document.getElementById(dnFieldId(f))).find((el) => el !== null) ??
        document.getElementById(DN_MESSAGE_ID),
    );
  }

  function cancel() {
    setMessage(null);
    props.onCancel();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    let input: SetDnInput;
    try {
      // Adding never overwrites an existing DN; editing never creates one.
      input = { ...dnInputFrom(form), intent: editing ? "update" : "create" };
    } catch (error) {
      const text = errorMessage(error);
      refuse({ text, fields: ["routeParams"], messages: { routeParams: text } });
      return;
    }
    const parsed = zSetDnInput.safeParse(input);
    if (!parsed.success) {
      refuse(formError({ issues: parsed.error.issues }, DN_FIELDS, dnFieldOf));
      return;
    }
    save.mutate(input);
  }

  const set = (patch: Partial<DnFormState>) => {
    setForm({ ...form, ...patch });
    // A field the person changed is no longer the one we complained about.
    setErrors(withoutFields(errors, Object.keys(patch)));
  };
  // Each field shows its own problems under it and is described by them.
  const fieldProps = (field: DnField) => ({ id: dnFieldId(field), error: errors[field] ?? null });
  const selectProps = (field: DnField) => ({
    id: dnFieldId(field),
    "aria-invalid": errors[field] ? (true as const) : undefined,
    "aria-describedby": errors[field] ? `${dnFieldId(field)}-error` : undefined,
    error: errors[field] ?? null,
  });
  const title = editing ? `Edit DN ${editing.number}` : "Add a DN";
  return (
    <form
      id="dn-form"
      onSubmit={onSubmit}
      onKeyDown={(event) => {
        if (event.key === "Escape" && editing) {
          event.preventDefault();
          cancel();
        }
      }}
      aria-label="Add or update a DN"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
      noValidate
    >
      <h3 className="w-full text-sm font-semibold text-slate-700" data-testid="dn-form-title">
        {title}
        {editing && <span className="ml-2 font-normal text-slate-500">(Escape cancels)</span>}
      </h3>
      <Field
        label="Number"
        value={form.number}
        onChange={(number) => set({ number })}
        readOnly={editing !== null}
        maxLength={MAX_LENGTH.dnNumber}
        {...fieldProps("number")}
      />
      <label className="text-sm" htmlFor={dnFieldId("type")}>
        <span className="block font-medium text-slate-700">Type</span>
        <select
          value={form.type}
          onChange={(e) => set({ type: e.target.value as DnType })}
          id={dnFieldId("type")}
          aria-invalid={selectProps("type")["aria-invalid"]}
          aria-describedby={selectProps("type")["aria-describedby"]}
          className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 aria-invalid:border-red-500"
        >
          <option value="extension">Extension</option>
          <option value="trunk">Trunk</option>
          <option value="routing_point">Routing point</option>
        </select>
        {errors.type && (
          <span id={`${dnFieldId("type")}-error`} className="mt-1 block text-xs text-red-700">
            {errors.type}
          </span>
        )}
      </label>
      <Field
        label="Display name"
        value={form.displayName}
        onChange={(displayName) => set({ displayName })}
        maxLength={MAX_LENGTH.displayName}
        {...fieldProps("displayName")}
      />
      {form.type === "extension" && (
        <Field
          label={editing ? "SIP password (blank: unchanged)" : "SIP password"}
          type="password"
          value={form.password}
          onChange={(password) => set({ password })}
          maxLength={MAX_LENGTH.sipPassword}
          {...fieldProps("password")}
        />
      )}
      {form.type === "trunk" && (
        <>
          <Field
            label="Peer host:port"
            value={form.peer}
            onChange={(peer) => set({ peer })}
            maxLength={MAX_LENGTH.peer}
            {...fieldProps("peer")}
          />
          <label className="flex items-center gap-1 self-center text-sm">
            <input
              type="checkbox"
              id={dnFieldId("peerPortMatch")}
              checked={form.peerPortMatch}
              onChange={(e) => set({ peerPortMatch: e.target.checked })}
            />
            Calls only from the peer&apos;s port
          </label>
          <Field
            label="Inbound numbers"
            value={form.inbound}
            onChange={(inbound) => set({ inbound })}
            maxLength={MAX_LENGTH.inboundNumbersText}
            {...fieldProps("inbound")}
          />
          <Field
            label="Outbound prefix"
            value={form.outboundPrefix}
            onChange={(outboundPrefix) => set({ outboundPrefix })}
            maxLength={MAX_LENGTH.digits}
            {...fieldProps("outboundPrefix")}
          />
        </>
      )}
      {form.type !== "routing_point" && (
        <SelectField
          label="DTMF masking in recordings"
          value={form.dtmfMasking}
          options={DTMF_MASKING_MODES}
          optionLabel={(v) => DTMF_MASKING_LABELS[v]}
          onChange={(dtmfMasking) => set({ dtmfMasking })}
          {...selectProps("dtmfMasking")}
        />
      )}
      {form.type !== "routing_point" && (
        <SelectField
          label="Media encryption (SRTP)"
          value={form.mediaEncryption}
          options={MEDIA_ENCRYPTION_POLICIES}
          optionLabel={(v) => MEDIA_ENCRYPTION_LABELS[v]}
          onChange={(mediaEncryption) => set({ mediaEncryption })}
          {...selectProps("mediaEncryption")}
        />
      )}
      {form.type !== "routing_point" && (
        <>
          <SelectField
            label="Recording notification tone"
            value={form.recordingTone}
            options={RECORDING_TONE_MODES}
            optionLabel={(v) => RECORDING_TONE_LABELS[v]}
            onChange={(recordingTone) => set({ recordingTone })}
            {...selectProps("recordingTone")}
          />
          {form.recordingTone === "repeat" && (
            <Field
              label="Tone every (seconds)"
              value={form.recordingToneEverySeconds}
              onChange={(recordingToneEverySeconds) => set({ recordingToneEverySeconds })}
              maxLength={MAX_LENGTH.toneEverySeconds}
              {...fieldProps("recordingToneEverySeconds")}
            />
          )}
          {form.recordingTone !== "off" && (
            <SelectField
              label="Tone heard by"
              value={form.recordingToneParties}
              options={RECORDING_TONE_PARTIES}
              optionLabel={(v) => RECORDING_TONE_PARTY_LABELS[v]}
              onChange={(recordingToneParties) => set({ recordingToneParties })}
              {...selectProps("recordingToneParties")}
            />
          )}
        </>
      )}
      {form.type === "routing_point" && (
        <>
          <Field
            label="Default target DN"
            value={form.routeTarget}
            onChange={(routeTarget) => set({ routeTarget })}
            maxLength={MAX_LENGTH.dnNumber}
            {...fieldProps("routeTarget")}
          />
          <SelectField
            label="Default record"
            value={form.routeRecord}
            options={ROUTE_RECORD_VALUES}
            onChange={(routeRecord) => set({ routeRecord })}
            {...selectProps("routeRecord")}
          />
          <Field
            label="Params (k=v&k2=v2)"
            value={form.routeParams}
            onChange={(routeParams) => set({ routeParams })}
            {...fieldProps("routeParams")}
          />
        </>
      )}
      <SubmitButton pending={save.isPending} pendingText="Saving…">
        Save DN
      </SubmitButton>
      {editing && (
        <button
          type="button"
          onClick={cancel}
          className="rounded-md border border-slate-300 px-4 py-2 text-sm hover:bg-slate-50 max-md:min-h-10"
        >
          Cancel edit
        </button>
      )}
      <FormMessage id={DN_MESSAGE_ID} message={message} />
    </form>
  );
}
