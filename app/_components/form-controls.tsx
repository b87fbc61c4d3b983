"use client";

import { type Ref, useId } from "react";

export type FormMessageValue = { kind: "error" | "ok"; text: string } | null;

/**
 * A labelled text input. `error` shows the reason under the input; `invalid` with `errorId` points
 * at a reason shown elsewhere (a form's one message). Either way the input says aria-invalid and
 * names the reason in aria-describedby, so a screen reader reads why when it lands there.
 * `maxLength` is the server's own limit (MAX_LENGTH in common/schemas/config-schemas.ts).
 */
export function Field(props: {
  label: string;
  value: string;
  type?: string;
  onChange: (v: string) => void;
  id?: string;
  invalid?: boolean;
  error?: string | null;
  errorId?: string;
  readOnly?: boolean;
  maxLength?: number;
  ref?: Ref<HTMLInputElement>;
}) {
  const generatedId = useId();
  const id = props.id ?? generatedId;
  const inlineErrorId = `${id}-error`;
  const invalid = Boolean(props.error) || props.invalid === true;
  const describedBy = props.error ? inlineErrorId : invalid ? props.errorId : undefined;
  return (
    <label className="max-w-full text-sm" htmlFor={id}>
      <span className="block font-medium text-slate-700">{props.label}</span>
      <input
        id={id}
        ref={props.ref}
        type={props.type ?? "text"}
        value={props.value}
        readOnly={props.readOnly}
        maxLength={props.maxLength}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(e) => props.onChange(e.target.value)}
        className="mt-1 max-w-full rounded-md border border-slate-300 px-3 py-1.5 read-only:bg-slate-50 read-only:text-slate-600 aria-invalid:border-red-500 max-md:min-h-10"
      />
      {props.error && (
        <span id={inlineErrorId} className="mt-1 block text-xs text-red-700">
          {props.error}
        </span>
      )}
    </label>
  );
}

/** While `pending` the button is disabled and says `pendingText` (e.g. "Saving…"), so a second press does nothing. */
export function SubmitButton({
  children,
  pending = false,
  pendingText,
}: {
  children: string;
  pending?: boolean;
  pendingText?: string;
}) {
  return (
    <button
      type="submit"
      disabled={pending}
      className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60 max-md:min-h-10"
    >
      {pending && pendingText ? pendingText : children}
    </button>
  );
}

/**
 * A form's outcome. It can take focus (tabIndex -1) so a form can move focus here after a save
 * or a refusal that names no field, instead of leaving it on a button that just went away.
 */
export function FormMessage({
  message,
  id,
  ref,
}: {
  message: FormMessageValue;
  id?: string;
  ref?: Ref<HTMLParagraphElement>;
}) {
  if (!message) return null;
  return (
    <p
      id={id}
      ref={ref}
      tabIndex={-1}
      role={message.kind === "error" ? "alert" : "status"}
      className={`w-full text-sm ${message.kind === "error" ? "text-red-700" : "text-green-700"}`}
    >
      {message.text}
    </p>
  );
}

/**
 * A labelled select of fixed values, wired to the form's invalid state like the text fields; with
 * `error`, the reason is shown under it and is what aria-describedby names.
 */
export function SelectField<T extends string>(props: {
  label: string;
  value: T;
  options: readonly T[];
  optionLabel?: (value: T) => string;
  onChange: (value: T) => void;
  id: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
  error?: string | null;
}) {
  const { label, value, options, optionLabel, onChange, error, ...wiring } = props;
  const errorId = `${wiring.id}-error`;
  return (
    <label className="max-w-full text-sm" htmlFor={wiring.id}>
      <span className="block font-medium text-slate-700">{label}</span>
      <select
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
        {...wiring}
        {...(error ? { "aria-invalid": true, "aria-describedby": errorId } : {})}
        className="mt-1 max-w-full rounded-md border border-slate-300 px-2 py-1.5 aria-invalid:border-red-500 max-md:min-h-10"
      >
        {options.map((v) => (
          <option key={v} value={v}>
            {optionLabel?.(v) ?? v}
          </option>
        ))}
      </select>
      {error && (
        <span id={errorId} className="mt-1 block text-xs text-red-700">
          {error}
        </span>
      )}
    </label>
  );
}
