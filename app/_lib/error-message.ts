import { TRPCClientError } from "@trpc/client";

/** The sentence to show a person for a failed request: the server's own words where it gave them. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
