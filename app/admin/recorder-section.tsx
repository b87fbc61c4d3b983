"use client";

import { type FormEvent, type KeyboardEvent, useState } from "react";
import {
  MAX_LENGTH,
  MEDIA_ENCRYPTION_POLICIES,
  type MediaEncryptionPolicy,
  zSetRecorderInput,
} from "../../common/schemas/config-schemas";
import {
  Field,
  FormMessage,
  type FormMessageValue,
  SelectField,
  SubmitButton,
} from "../_components/form-controls";
import { RowDelete } from "../_components/row-delete";
import { errorMessage } from "../_lib/error-message";
import { byId, useFocusAfterRender } from "../_lib/focus";
import { type FieldMessages, type FormError, formError, withoutFields } from "../_lib/form-errors";
import { trpc } from "../_lib/trpc";
import { useIsAdmin } from "../_lib/use-is-admin";
import { RecorderMode } from "./recorder-mode";

type RecorderField = "name" | "uri" | "mediaEncryption" | "playbackUrl";
const RECORDER_FIELDS: readonly RecorderField[] = ["name", "uri", "mediaEncryption", "playbackUrl"];
const recorderFieldOf = (key: string) => RECORDER_FIELDS.find((f) => f === key);
const recorderFieldId = (field: RecorderField) => `recorder-field-${field}`;
const RECORDER_MESSAGE_ID = "recorder-form-message";
const EMPTY_FORM: { name: string; uri: string; mediaEncryption: MediaEncryptionPolicy; playbackUrl: string } =
  {
    name: "",
    uri: "",
    mediaEncryption: "off",
    playbackUrl: "",
  };
/** How each policy reads for a recorder's streams. */
const RECORDER_ENCRYPTION_LABELS: Record<MediaEncryptionPolicy, string> = {
  off: "off: plain RTP",
  optional: "SRTP when the recorder accepts it",
  required: "SRTP required: a recorder that answers plain RTP is skipped",
};

type RowAction = "up" | "down" | "enable" | "edit";
const rowButtonId = (recorderId: string, action: RowAction) => `recorder-${recorderId}-${action}`;

export function RecorderSection() {
  const utils = trpc.useUtils();
  const isAdmin = useIsAdmin();
  const focusAfterRender = useFocusAfterRender();
  const recorders = trpc.recorder.list.useQuery();
  const [form, setForm] = useState(EMPTY_FORM);
  /** The recorder being edited (its name is the key and stays), or null while the form adds one. */
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [errors, setErrors] = useState<FieldMessages<RecorderField>>({});
  const save = trpc.recorder.set.useMutation({
    onSuccess: async (r) => {
      setMessage({ kind: "ok", text: `Saved recorder ${r.name}.` });
      setForm(EMPTY_FORM);
      setEditing(null);
      setErrors({});
      // The Save button was disabled while saving, which took focus from it: the outcome takes it.
      focusAfterRender(byId(RECORDER_MESSAGE_ID));
      await utils.recorder.list.invalidate();
    },
    onError: (e) => refuse(formError({ error: e }, RECORDER_FIELDS, recorderFieldOf)),
  });

  const [rowError, setRowError] = useState<{ id: string; text: string } | null>(null);
  const update = trpc.recorder.set.useMutation({ onMutate: () => setRowError(null) });
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const remove = trpc.recorder.delete.useMutation({
    onMutate: () => setRowError(null),
    onSuccess: async (_r, { name }) => {
      setConfirmDelete(null);
      if (editing?.name === name) cancelEdit(false);
      setMessage({ kind: "ok", text: `Deleted recorder ${name}.` });
      // The row and its buttons are gone; the outcome takes focus rather than <body>.
      focusAfterRender(byId(RECORDER_MESSAGE_ID));
      await utils.recorder.list.invalidate();
    },
  });

  /**
   * A row action, with focus kept on the button that was pressed: moving a recorder re-orders the
   * list, and React moving a focused node (or the person's button reaching the top) would
   * otherwise leave focus on <body>.
   */
  function act(
    recorderId: string,
    action: RowAction,
    input: { name: string; position?: number; enabled?: boolean },
  ) {
    if (update.isPending) return;
    update.mutate(input, {
      onSuccess: async () => {
        await utils.recorder.list.invalidate();
        focusAfterRender(byId(rowButtonId(recorderId, action)));
      },
      onError: (e) => setRowError({ id: recorderId, text: errorMessage(e) }),
    });
  }

  function refuse(error: FormError<RecorderField>) {
    setMessage({ kind: "error", text: error.text });
    setErrors(error.messages ?? Object.fromEntries(error.fields.map((f) => [f, error.text])));
    focusAfterRender(
      () =>
        error.fields.map((f) => document.getElementById(recorderFieldId(f))).find((el) => el !== null) ??
        document.getElementById(RECORDER_MESSAGE_ID),
    );
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    const parsed = zSetRecorderInput.safeParse({
      name: form.name,
      uri: form.uri,
      mediaEncryption: form.mediaEncryption,
      playbackUrl: form.playbackUrl,
      intent: editing ? "update" : "create",
    });
    if (!parsed.success) {
      refuse(formError({ issues: parsed.error.issues }, RECORDER_FIELDS, recorderFieldOf));
      return;
    }
    save.mutate(parsed.data);
  }

  function startEdit(recorder: {
    id: string;
    name: string;
    uri: string;
    mediaEncryption: MediaEncryptionPolicy;
    playbackUrl: string;
  }) {
    setEditing({ id: recorder.id, name: recorder.name });
    setForm({
      name: recorder.name,
      uri: recorder.uri,
      mediaEncryption: recorder.mediaEncryption,
      playbackUrl: recorder.playbackUrl,
    });
    setErrors({});
    setMessage(null);
    focusAfterRender(byId(recorderFieldId("uri")));
  }

  /** Back to adding; focus returns to the row's Edit button when the person cancelled. */
  function cancelEdit(refocus: boolean) {
    const id = editing?.id;
    setEditing(null);
    setForm(EMPTY_FORM);
    setErrors({});
    if (refocus && id !== undefined) focusAfterRender(byId(rowButtonId(id, "edit")));
  }

  function onFormKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape" && editing) {
      event.preventDefault();
      cancelEdit(true);
    }
  }

  const change = (field: RecorderField, value: string) => {
    setForm({ ...form, [field]: value });
    setErrors(withoutFields(errors, [field]));
  };
  const count = recorders.data?.length ?? 0;
  return (
    <section aria-labelledby="recorders-title" className="space-y-3">
      <h2 id="recorders-title" className="text-xl font-semibold">
        Recorders <span className="text-sm font-normal text-slate-500">(tried in this order)</span>
      </h2>
      <RecorderMode />
      {recorders.isLoading && <p className="text-sm text-slate-500">Loading…</p>}
      {recorders.error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {errorMessage(recorders.error)}
        </p>
      )}
      {recorders.data?.length === 0 && (
        <p className="rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm text-slate-500">
          No recorder configured: recordings have nowhere to go.
        </p>
      )}
      {count > 0 && (
        <ol
          className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm"
          aria-label="Recorders"
        >
          {recorders.data?.map((r) => (
            <li key={r.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2">
              <span className="w-6 text-slate-400">{r.position}.</span>
              <span className="font-medium">{r.name}</span>
              <code className="break-all text-slate-600">{r.uri}</code>
              {r.mediaEncryption !== "off" && (
                <span className="text-xs text-slate-600">SRTP {r.mediaEncryption}</span>
              )}
              {r.playbackUrl !== "" && (
                <span className="text-xs text-slate-600">
                  plays at <code className="break-all">{r.playbackUrl}</code>
                </span>
              )}
              <span className={`ml-auto text-xs ${r.enabled ? "text-green-700" : "text-slate-400"}`}>
                {r.enabled ? "enabled" : "disabled"}
              </span>
              <RecorderTest name={r.name} />
              {isAdmin && (
                <span className="flex flex-wrap gap-1 max-md:gap-2">
                  <RecorderButton
                    id={rowButtonId(r.id, "edit")}
                    label={`Edit ${r.name}`}
                    onClick={() => startEdit(r)}
                  >
                    Edit
                  </RecorderButton>
                  <RecorderButton
                    id={rowButtonId(r.id, "up")}
                    label={`Move ${r.name} up`}
                    unavailable={r.position === 1}
                    pending={update.isPending}
                    onClick={() => act(r.id, "up", { name: r.name, position: r.position - 1 })}
                  >
                    ↑
                  </RecorderButton>
                  <RecorderButton
                    id={rowButtonId(r.id, "down")}
                    label={`Move ${r.name} down`}
                    unavailable={r.position === count}
                    pending={update.isPending}
                    onClick={() => act(r.id, "down", { name: r.name, position: r.position + 1 })}
                  >
                    ↓
                  </RecorderButton>
                  <RecorderButton
                    id={rowButtonId(r.id, "enable")}
                    label={`${r.enabled ? "Disable" : "Enable"} ${r.name}`}
                    pending={update.isPending}
                    onClick={() => act(r.id, "enable", { name: r.name, enabled: !r.enabled })}
                  >
                    {r.enabled ? "Disable" : "Enable"}
                  </RecorderButton>
                  <RowDelete
                    subject={r.name}
                    idBase={`recorder-${r.id}`}
                    short
                    confirming={confirmDelete === r.id}
                    pending={remove.isPending}
                    onAsk={() => {
                      setConfirmDelete(r.id);
                      setRowError(null);
                    }}
                    onCancel={() => setConfirmDelete(null)}
                    onConfirm={() =>
                      remove.mutate(
                        { name: r.name },
                        { onError: (e) => setRowError({ id: r.id, text: errorMessage(e) }) },
                      )
                    }
                  />
                </span>
              )}
              {rowError?.id === r.id && (
                <p role="alert" className="w-full text-right text-xs text-red-700">
                  {rowError.text}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
      {isAdmin && (
        <form
          onSubmit={onSubmit}
          onKeyDown={onFormKeyDown}
          aria-label={editing ? `Edit recorder ${editing.name}` : "Add a recorder"}
          className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
          noValidate
        >
          <h3 className="w-full text-sm font-semibold text-slate-700">
            {editing ? `Edit recorder ${editing.name}` : "Add a recorder"}
          </h3>
          <Field
            id={recorderFieldId("name")}
            label="Recorder name"
            value={form.name}
            // The name is the recorder's key: changing it while editing would add another one.
            readOnly={editing !== null}
            error={errors.name ?? null}
            maxLength={MAX_LENGTH.recorderName}
            onChange={(name) => change("name", name)}
          />
          <Field
            id={recorderFieldId("uri")}
            label="SIP URI"
            value={form.uri}
            error={errors.uri ?? null}
            maxLength={MAX_LENGTH.recorderUri}
            onChange={(uri) => change("uri", uri)}
          />
          <SelectField
            id={recorderFieldId("mediaEncryption")}
            label="Media encryption (SRTP)"
            value={form.mediaEncryption}
            options={MEDIA_ENCRYPTION_POLICIES}
            optionLabel={(v) => RECORDER_ENCRYPTION_LABELS[v]}
            onChange={(mediaEncryption) => setForm({ ...form, mediaEncryption })}
            aria-invalid={undefined}
            aria-describedby={undefined}
            error={errors.mediaEncryption ?? null}
          />
          {/* Third-party recorders play their own recordings: the Recordings page links there. */}
          <Field
            id={recorderFieldId("playbackUrl")}
            label="Playback URL ({id} = recording id; empty for the lab recorder)"
            value={form.playbackUrl}
            error={errors.playbackUrl ?? null}
            maxLength={MAX_LENGTH.playbackUrl}
            onChange={(playbackUrl) => change("playbackUrl", playbackUrl)}
          />
          <SubmitButton pending={save.isPending} pendingText="Saving…">
            Save recorder
          </SubmitButton>
          {editing && (
            <button
              type="button"
              onClick={() => cancelEdit(true)}
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50 max-md:min-h-10"
            >
              Cancel edit
            </button>
          )}
          <FormMessage id={RECORDER_MESSAGE_ID} message={message} />
        </form>
      )}
    </section>
  );
}

/** OPTIONS to the recorder through the SIP Server: is it there, and how fast does it answer? */
function RecorderTest({ name }: { name: string }) {
  const probe = trpc.recorder.test.useMutation();
  const result = probe.data;
  return (
    <span className="flex items-center gap-2">
      <button
        type="button"
        aria-label={`Test ${name}`}
        // aria-disabled rather than disabled: a disabled button would drop keyboard focus to <body>.
        aria-disabled={probe.isPending}
        onClick={() => {
          if (!probe.isPending) probe.mutate({ name });
        }}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 aria-disabled:opacity-40 max-md:min-h-10 max-md:px-3 max-md:text-sm"
      >
        {probe.isPending ? "Testing…" : "Test"}
      </button>
      <span
        data-testid={`recorder-test-${name}`}
        role="status"
        className={`text-xs ${result?.ok ? "text-green-700" : "text-red-700"}`}
      >
        {probe.error
          ? errorMessage(probe.error)
          : result
            ? `${result.status} ${result.reason} (${result.ms} ms)`
            : ""}
      </span>
    </span>
  );
}

/**
 * A row button. `unavailable` (the top recorder's "up") and `pending` use aria-disabled, not
 * disabled: the button keeps keyboard focus, says it does nothing now, and ignores presses.
 */
function RecorderButton(props: {
  id: string;
  label: string;
  unavailable?: boolean;
  pending?: boolean;
  onClick: () => void;
  children: string;
}) {
  const inert = props.unavailable === true || props.pending === true;
  return (
    <button
      id={props.id}
      type="button"
      aria-label={props.label}
      title={props.label}
      aria-disabled={inert}
      onClick={() => {
        if (!inert) props.onClick();
      }}
      className="rounded-md border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50 aria-disabled:opacity-40 max-md:min-h-10 max-md:min-w-10 max-md:px-3 max-md:text-sm"
    >
      {props.children}
    </button>
  );
}
