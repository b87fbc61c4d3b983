"use client";

export type FormMessageValue = { kind: "error" | "ok"; text: string } | null;

export function Field(props: { label: string; value: string; type?: string; onChange: (v: string) => void }) {
  return (
    <label className="text-sm">
      <span className="block font-medium text-slate-700">{props.label}</span>
      <input
        type={props.type ?? "text"}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        className="mt-1 rounded-md border border-slate-300 px-3 py-1.5"
      />
    </label>
  );
}

export function SubmitButton({ children, pending = false }: { children: string; pending?: boolean }) {
  return (
    <button
      type="submit"
      disabled={pending}
      className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60"
    >
      {children}
    </button>
  );
}

export function FormMessage({ message }: { message: FormMessageValue }) {
  if (!message) return null;
  return (
    <p
      role={message.kind === "error" ? "alert" : "status"}
      className={`w-full text-sm ${message.kind === "error" ? "text-red-700" : "text-green-700"}`}
    >
      {message.text}
    </p>
  );
}
