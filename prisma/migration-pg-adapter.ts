import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";

/**
 * The PostgreSQL adapter for the Prisma CLI (migrate deploy, migrate diff), not for the app.
 *
 * Prisma 6.19's schema engine reads PostgreSQL's catalogs, whose columns have types such as
 * `name` and `"char"` that @prisma/adapter-pg 6.19.3 cannot describe ("Column type 'name' could
 * not be deserialized from the database", Prisma issue 27403, still open). Their values are text,
 * so this client reports them as text. The pool's options carry the client class, so the shadow
 * database that `migrate diff --from-migrations` creates uses it too.
 */
const CATALOG_TEXT_TYPES = new Set([
  18, // "char"
  19, // name
  24, // regproc
  194, // pg_node_tree
  2205, // regclass
]);
const TEXT = 25;

function catalogTypesAsText<R>(result: R): R {
  for (const field of (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields ?? []) {
    if (CATALOG_TEXT_TYPES.has(field.dataTypeID)) field.dataTypeID = TEXT;
  }
  return result;
}

type Callback = (error: Error | null, result: unknown) => void;

class CatalogAsTextClient extends pg.Client {
  // pg.Client.query has many overloads; this one wraps them all (callback or promise form).
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      args[last] = ((error, result) =>
        (callback as Callback)(error, error ? result : catalogTypesAsText(result))) satisfies Callback;
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then(catalogTypesAsText) : out) as never;
  }
}

export function migrationPgAdapter(connectionString: string): PrismaPg {
  return new PrismaPg(new pg.Pool({ connectionString, Client: CatalogAsTextClient }), {
    disposeExternalPool: true,
  });
}
