import type { z } from "zod";
import { zSetAgentLoginInput } from "../../../../common/schemas/config-schemas";
import { type AgentLoginView, listAgentLogins, setAgentLoginInTx } from "../agent-login-service";
import {
  type BulkKindSpec,
  type Cells,
  boolCell,
  chunks,
  differingColumns,
  issueProblems,
} from "./bulk-kind";

type AgentLoginInput = z.output<typeof zSetAgentLoginInput>;

export const AGENT_LOGIN_COLUMNS = ["loginCode", "name", "record"] as const;

const agentCells = (view: AgentLoginView): Cells => ({
  loginCode: view.loginCode,
  name: view.name,
  record: String(view.record),
});

export const agentLoginBulk: BulkKindSpec<AgentLoginView, AgentLoginInput> = {
  entity: "AgentLogin",
  columns: AGENT_LOGIN_COLUMNS,
  keyColumn: "loginCode",
  exportRows: async (db) => (await listAgentLogins(db)).map(agentCells),
  readMany: async (tx, codes) => {
    const found = new Map<string, AgentLoginView>();
    for (const some of chunks(codes)) {
      for (const r of await tx.agentLogin.findMany({ where: { loginCode: { in: some } } })) {
        found.set(r.loginCode, {
          id: r.id,
          loginCode: r.loginCode,
          name: r.name,
          record: r.record,
          updatedAt: r.updatedAt,
        });
      }
    }
    return found;
  },
  parse: (cells, current) => {
    const problems: string[] = [];
    const raw = {
      intent: current ? "update" : "create",
      loginCode: cells.loginCode,
      // An empty name clears it; an absent column leaves it as it is.
      name: cells.name,
      record: cells.record === undefined ? undefined : boolCell("record", cells.record, problems),
    };
    const parsed = zSetAgentLoginInput.safeParse(raw);
    if (!parsed.success) problems.push(...issueProblems(parsed.error.issues));
    return problems.length > 0 || !parsed.success
      ? { ok: false, problems }
      : { ok: true, input: parsed.data };
  },
  changes: (current, input) => {
    const { loginCode: _c, intent: _i, ...rest } = input;
    return differingColumns(agentCells(current), rest);
  },
  write: async (tx, actor, input) => (await setAgentLoginInTx(tx, actor, input)).loginCode,
};
