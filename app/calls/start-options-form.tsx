"use client";

import { type FormEvent, useId, useState } from "react";
import { parseParamsString, zRecordingControlInput } from "../../common/schemas/recording-schemas";
import { errorMessage } from "../_lib/error-message";
import { useFocusAfterRender } from "../_lib/focus";
import { type FormError, formError } from "../_lib/form-errors";

export type StartOptions = { id?: string; dest?: string; params?: Record<string, string> };
type Side = "source" | "destination";

type OptionField = "id" | "dest" | "params";
const OPTION_FIELDS: readonly OptionField[] = ["id", "dest", "params"];

/** Start with an id, another recorder or key-value params: checked by the server's own schema first. */
export function StartOptionsForm(props: {
  busy: boolean;
  side: Side;
  onStart: (options: StartOptions) => void;
}) {
  const [id, setId] = useState("");
  const [dest, setDest] = useState("");
  const [params, setParams] = useState("");
  const [error, setError] = useState<FormError<OptionField> | null>(null);
  const focusAfterRender = useFocusAfterRender();
  const baseId = useId();
  const fieldId = (field: OptionField) => `${baseId}-${field}`;
  const errorId = `${baseId}-error`;

  function refuse(refusal: FormError<OptionField>) {
    setError(refusal);
    focusAfterRender(
      () =>
        refusal.fields.map((f) => document.getElementById(fieldId(f))).find((el) => el !== null) ??
        document.getElementById(errorId),
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (props.busy) return;
    let parsed: Record<string, string> | undefined;
    try {
      parsed = params.trim() === "" ? undefined : parseParamsString(params.trim());
    } catch (e) {
      return refuse({ text: errorMessage(e), fields: ["params"] });
    }
    const options = {
      ...(id.trim() === "" ? {} : { id: id.trim() }),
      ...(dest.trim() === "" ? {} : { dest: dest.trim() }),
      ...(parsed === undefined ? {} : { params: parsed }),
    };
    const check = zRecordingControlInput.safeParse({ callId: "x", side: props.side, ...options });
    if (!check.success) {
      return refuse(
        formError({ issues: check.error.issues }, OPTION_FIELDS, (key) =>
          OPTION_FIELDS.find((f) => f === key),
        ),
      );
    }
    setError(null);
    props.onStart(options);
  }

  const fieldProps = (field: OptionField) => ({
    id: fieldId(field),
    "aria-invalid": error?.fields.includes(field) || undefined,
    "aria-describedby": error?.fields.includes(field) ? errorId : undefined,
  });
  const input =
    "mt-0.5 w-full rounded-md border border-slate-300 px-2 py-1 text-sm aria-invalid:border-red-500 max-md:py-2";
  return (
    <form
      aria-label={`Start ${props.side} recording with options`}
      onSubmit={submit}
      className="mt-2 grid gap-2"
    >
      <label className="text-xs text-slate-600">
        Recording id (optional, globally unique)
        <input className={input} value={id} onChange={(e) => setId(e.target.value)} {...fieldProps("id")} />
      </label>
      <label className="text-xs text-slate-600">
        Recorder (optional SIP URI, overrides the recorder list)
        <input
          className={input}
          value={dest}
          placeholder="sip:srs@recorder.example.com"
          onChange={(e) => setDest(e.target.value)}
          {...fieldProps("dest")}
        />
      </label>
      <label className="text-xs text-slate-600">
        Params (optional, key=value&amp;key2=value2)
        <input
          className={input}
          value={params}
          onChange={(e) => setParams(e.target.value)}
          {...fieldProps("params")}
        />
      </label>
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="submit"
          // aria-disabled rather than disabled: a disabled button would drop keyboard focus to <body>.
          aria-disabled={props.busy}
          className="rounded-md bg-brand-600 px-3 py-1 text-sm font-medium text-white hover:bg-brand-700 aria-disabled:opacity-60 max-md:min-h-10"
        >
          {props.busy ? "Starting…" : "Start recording"}
        </button>
        {error && (
          <p id={errorId} role="alert" tabIndex={-1} className="text-xs text-red-700">
            {error.text}
          </p>
        )}
      </div>
    </form>
  );
}
