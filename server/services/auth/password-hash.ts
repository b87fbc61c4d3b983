import bcrypt from "bcryptjs";

// Cost 11: ~100 ms per check on this class of machine, slow for guessing, fast enough for a login page.
const BCRYPT_COST = 11;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
