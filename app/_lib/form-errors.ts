import { errorFields, errorMessage } from "./error-message";

/** A refused form: the sentence shown in its message and the fields it is about, in form order. */
export type FormError<F extends string> = { text: string; fields: F[] };

type Issue = { path: readonly PropertyKey[]; message: string };

/**
 * Builds a FormError from the schema's issues (checked in the browser with the server's own zod
 * schema) or from a failed request. `order` lists the form's fields as they appear on screen and
 * `fieldOf` maps an input key (the schema's name) to the form's field, so the first one listed is
 * the one a person meets first.
 */
export function formError<F extends string>(
  source: { issues: readonly Issue[] } | { error: unknown },
  order: readonly F[],
  fieldOf: (key: string) => F | undefined,
): FormError<F> {
  const keys =
    "issues" in source
      ? source.issues.map((issue) => String(issue.path[0] ?? ""))
      : errorFields(source.error);
  const blamed = new Set(keys.map(fieldOf).filter((f): f is F => f !== undefined));
  const text =
    "issues" in source ? source.issues.map((issue) => issue.message).join("; ") : errorMessage(source.error);
  return { text, fields: order.filter((f) => blamed.has(f)) };
}
