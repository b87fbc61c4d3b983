import { z } from "zod";
import { zCreateUserInput, zUpdateUserInput } from "../../../../common/schemas/config-schemas";
import { BULK_MAX_NEW_USERS } from "../../../../common/schemas/bulk-schemas";
import { AppError, AppErrorCode } from "../../../errors/app-error";
import { type UserView, createUserInTx, listUsers, updateUserInTx } from "../../auth/user-service";
import {
  type BulkKindSpec,
  type Cells,
  boolCell,
  chunks,
  differingColumns,
  issueProblems,
} from "./bulk-kind";

type UserInput = z.output<typeof zUpdateUserInput>;

/** Users: never a password or its hash. A user the import creates gets a generated one. */
export const USER_COLUMNS = ["username", "role", "disabled", "extension", "agentLoginCode"] as const;

/** A new user's fields: the create form's schema, without the password (generated), with `disabled`. */
const zImportNewUser = zCreateUserInput.omit({ password: true }).extend({ disabled: z.boolean().optional() });

/** Stands in for a hash in a dry run, which is rolled back: no bcrypt string, so it can never match. */
const DRY_RUN_HASH = "dry-run: never saved";

const userCells = (user: UserView): Cells => ({
  username: user.username,
  role: user.role,
  disabled: String(user.disabled),
  extension: user.extension ?? "",
  agentLoginCode: user.agentLoginCode ?? "",
});

/** An empty binding cell unbinds (null); an absent column leaves the binding as it is. */
const binding = (cell: string | undefined) => (cell === undefined ? undefined : cell.trim() || null);

export const userBulk: BulkKindSpec<UserView, UserInput> = {
  entity: "User",
  columns: USER_COLUMNS,
  keyColumn: "username",
  exportRows: async (db) => (await listUsers(db)).map(userCells),
  readMany: async (tx, usernames) => {
    const found = new Map<string, UserView>();
    for (const some of chunks(usernames)) {
      for (const row of await tx.user.findMany({ where: { username: { in: some } } })) {
        found.set(row.username, {
          id: row.id,
          username: row.username,
          role: row.role,
          disabled: row.disabled,
          createdAt: row.createdAt,
          extension: row.extension,
          agentLoginCode: row.agentLoginCode,
        });
      }
    }
    return found;
  },
  parse: (cells, current) => {
    const problems: string[] = [];
    const raw = {
      username: cells.username,
      role: cells.role?.trim() || undefined,
      disabled: cells.disabled === undefined ? undefined : boolCell("disabled", cells.disabled, problems),
      extension: binding(cells.extension),
      agentLoginCode: binding(cells.agentLoginCode),
    };
    const parsed = (current ? zUpdateUserInput : zImportNewUser).safeParse(raw);
    if (!parsed.success) problems.push(...issueProblems(parsed.error.issues));
    return problems.length > 0 || !parsed.success
      ? { ok: false, problems }
      : { ok: true, input: parsed.data };
  },
  changes: (current, input) => {
    const { username: _u, ...rest } = input;
    return differingColumns(userCells(current), rest);
  },
  write: async (tx, actor, input, current, ctx) => {
    if (current) return (await updateUserInTx(tx, actor, input, undefined)).id;
    if (ctx.createdUsers.length >= BULK_MAX_NEW_USERS) {
      throw new AppError(
        AppErrorCode.INVALID_INPUT,
        `An import creates at most ${BULK_MAX_NEW_USERS} users (each initial password takes a moment to secure): split the file.`,
      );
    }
    const hash = ctx.dryRun ? DRY_RUN_HASH : ctx.passwordHashes.get(input.username);
    if (!hash) {
      throw new AppError(
        AppErrorCode.CONFLICT,
        `User ${input.username} was deleted while the import ran: run the import again.`,
      );
    }
    const { role } = input;
    // The create schema (parse) requires a role: this only keeps the types honest.
    if (!role) throw new AppError(AppErrorCode.INVALID_INPUT, "role: a new user needs a role.");
    const user = await createUserInTx(tx, actor, { ...input, role }, hash);
    ctx.createdUsers.push(user.username);
    return user.id;
  },
};
