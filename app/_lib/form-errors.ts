import { TRPCClientError } from "@trpc/client";
import { errorFields, errorMessage } from "./error-message";

/** Each field's problems, in words, shown next to it. */
export type FieldMessages<F extends string> = Partial<Record<F, string>>;

/**
 * A refused form: the sentence shown in its message (every problem at once), the fields it is
 * about in form order, and each field's own problems for the text next to that field.
 */
export type FormError<F extends string> = { text: string; fields: F[]; messages?: FieldMessages<F> };

type Issue = { path: readonly PropertyKey[]; message: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/**
 * The server's problems with their input paths ("inboundNumbers.2"): zod's issues or the field an
 * AppError names, as server/trpc/trpc.ts's errorFormatter puts them in `data.fieldErrors`.
 */
export function serverFieldErrors(error: unknown): Issue[] {
  if (!(error instanceof TRPCClientError)) return [];
  const data: unknown = error.data;
  const list = isRecord(data) ? data.fieldErrors : undefined;
  const issues: Issue[] = Array.isArray(list)
    ? list
        .filter(isRecord)
        .filter((i) => typeof i.path === "string" && typeof i.message === "string")
        .map((i) => ({ path: String(i.path).split("."), message: String(i.message) }))
    : [];
  // A server without fieldErrors (older): the field names alone, with the one message.
  if (issues.length === 0)
    return errorFields(error).map((field) => ({ path: [field], message: errorMessage(error) }));
  return issues;
}

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
): Required<FormError<F>> {
  const issues = "issues" in source ? source.issues : serverFieldErrors(source.error);
  const messages: FieldMessages<F> = {};
  for (const issue of issues) {
    const field = fieldOf(String(issue.path[0] ?? ""));
    if (field === undefined) continue;
    const said = messages[field];
    if (said === undefined) messages[field] = issue.message;
    else if (!said.split("; ").includes(issue.message)) messages[field] = `${said}; ${issue.message}`;
  }
  const text =
    "issues" in source ? source.issues.map((issue) => issue.message).join("; ") : errorMessage(source.error);
  return { text, fields: order.filter((f) => messages[f] !== undefined), messages };
}

/** The messages without the fields a person just changed: what they changed is no longer blamed. */
export function withoutFields<F extends string>(messages: FieldMessages<F>, changed: readonly string[]) {
  if (!changed.some((f) => f in messages)) return messages;
  return Object.fromEntries(
    Object.entries(messages).filter(([f]) => !changed.includes(f)),
  ) as FieldMessages<F>;
}
