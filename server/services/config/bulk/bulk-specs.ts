import type { BulkKind } from "../../../../common/schemas/bulk-schemas";
import { agentLoginBulk } from "./agent-login-bulk";
import type { BulkKindSpec } from "./bulk-kind";
import { dnBulk } from "./dn-bulk";
import { userBulk } from "./user-bulk";

// Each spec has its own current-row and input types; the import engine only passes them through.
export const BULK_SPECS: Record<BulkKind, BulkKindSpec<never, never>> = {
  dn: dnBulk as unknown as BulkKindSpec<never, never>,
  agentLogin: agentLoginBulk as unknown as BulkKindSpec<never, never>,
  user: userBulk as unknown as BulkKindSpec<never, never>,
};
