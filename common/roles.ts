export const ROLES = ["agent", "supervisor", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Roles nest: an admin may do what a supervisor may, a supervisor what an agent may. */
export function roleAllows(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
