import { TRPCClientError } from "@trpc/client";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/**
 * The sentence to show a person for a failed request: the server's own words where it gave them,
 * with the stable T-Library code of a recording refusal (what a CTI developer searches for).
 */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    const appError = isRecord(data) ? data.appError : undefined;
    const code = isRecord(appError) && typeof appError.tlibCode === "string" ? appError.tlibCode : undefined;
    return code === undefined ? error.message : `${error.message} (${code})`;
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

/**
 * The input fields the server blamed for a refusal, in its schema's names: an AppError's `field`
 * or the keys of zod's field errors (see the errorFormatter in server/trpc/trpc.ts). A form uses
 * them to mark and focus the field to fix instead of leaving the person to find it.
 */
export function errorFields(error: unknown): string[] {
  if (!(error instanceof TRPCClientError)) return [];
  const data: unknown = error.data;
  if (!isRecord(data)) return [];
  const fields: string[] = [];
  const appError = data.appError;
  if (isRecord(appError) && typeof appError.field === "string") fields.push(appError.field);
  const zodError = data.zodError;
  if (isRecord(zodError) && isRecord(zodError.fieldErrors)) fields.push(...Object.keys(zodError.fieldErrors));
  return fields;
}
