/**
 * MSML object identifiers (RFC 5707 Section 6.2), SIP URIs for recording destinations, and
 * MSML time designations.
 *
 * RFC 5707 Section 6.2: "Objects are referenced using identifiers that are composed of one or
 * more terms.  Each term specifies an object class and names a specific instance within that
 * class.  The object class and instance are separated by a colon ":" in an identifier term."
 *
 * "Identifiers for dialogs are composed of a structured list of slash ('/') separated terms.
 * The left-most term of the identifier must specify a conference or connection."
 */

/** Instance names: RFC 5707 Section 16.1.2, `msmlInstanceID.datatype` pattern `[a-zA-Z0-9.:\-_]+`. */
const INSTANCE_NAME = /^[A-Za-z0-9.:\-_]+$/;

/** `mark.datatype` (RFC 5707 Section 16.1.2) has the same pattern as instance names. */
const MARK = /^[A-Za-z0-9.:\-_]+$/;

/**
 * `momlTarget.datatype` (RFC 5707 Section 16.3.2), used for the optional dialog-internal target
 * that Section 7.2 allows after a dialog identifier in `<send target>`.
 */
const MOML_TARGET = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export type MsmlObjectClass = "conn" | "conf" | "dialog";

export type MsmlIdentifierTerm = { objectClass: MsmlObjectClass; instance: string };

/**
 * RFC 5707 Section 6.2: "MSML reserves the instance name composed of a single asterisk ('*') to
 * mean all objects that have the same identifier root and class. [...] Wildcards MUST only be
 * used as the right-most term of an identifier and MUST NOT be used as part of the root for
 * dialog identifiers."
 */
const WILDCARD = "*";

/**
 * Splits an identifier into its terms, or returns undefined when it is not an identifier: a
 * `conn:` or `conf:` root, then zero or more `dialog:` terms. A wildcard instance is accepted only
 * in the right-most term; callers decide whether wildcards are allowed at all.
 */
export function parseMsmlIdentifier(id: string): MsmlIdentifierTerm[] | undefined {
  if (id.length === 0 || id.length > 1024) return undefined;
  const rawTerms = id.split("/");
  const terms: MsmlIdentifierTerm[] = [];
  for (const [index, raw] of rawTerms.entries()) {
    const colon = raw.indexOf(":");
    if (colon <= 0) return undefined;
    const objectClass = raw.slice(0, colon);
    const instance = raw.slice(colon + 1);
    if (index === 0 ? objectClass !== "conn" && objectClass !== "conf" : objectClass !== "dialog") {
      return undefined;
    }
    const last = index === rawTerms.length - 1;
    if (instance === WILDCARD) {
      if (!last) return undefined;
    } else if (!INSTANCE_NAME.test(instance)) {
      return undefined;
    }
    terms.push({ objectClass: objectClass as MsmlObjectClass, instance });
  }
  return terms;
}

function hasWildcard(terms: MsmlIdentifierTerm[]): boolean {
  return terms.some((t) => t.instance === WILDCARD);
}

/**
 * A connection or conference identifier ("independent object", RFC 5707 Section 6.2), such as
 * `conn:74jgd63956ts` or `conf:abc`.
 */
export function isIndependentId(id: string, opts: { allowWildcard?: boolean } = {}): boolean {
  const terms = parseMsmlIdentifier(id);
  return terms !== undefined && terms.length === 1 && (opts.allowWildcard === true || !hasWildcard(terms));
}

/** A conference identifier, `conf:<instance>`, without wildcard. */
export function isConferenceId(id: string): boolean {
  const terms = parseMsmlIdentifier(id);
  return terms?.length === 1 && terms[0]?.objectClass === "conf" && !hasWildcard(terms);
}

/** A dialog identifier such as `conn:abc/dialog:rec1` or `conf:abc/dialog:recorder`, without wildcard. */
export function isDialogId(id: string): boolean {
  const terms = parseMsmlIdentifier(id);
  return terms !== undefined && terms.length >= 2 && !hasWildcard(terms);
}

/** Any identifier (connection, conference or dialog) without a wildcard. */
export function isObjectId(id: string): boolean {
  const terms = parseMsmlIdentifier(id);
  return terms !== undefined && !hasWildcard(terms);
}

/**
 * `<send target>`: RFC 5707 Section 7.2 "target: an object identifier.  When the identifier is
 * for a dialog, it may optionally be appended with a slash "/" followed by the target to be
 * included in an MSML dialog <send>.  Mandatory."
 */
export function isSendTarget(target: string): boolean {
  if (isObjectId(target)) return true;
  const slash = target.lastIndexOf("/");
  if (slash < 0) return false;
  return isDialogId(target.slice(0, slash)) && MOML_TARGET.test(target.slice(slash + 1));
}

export function isMark(mark: string): boolean {
  return MARK.test(mark);
}

export function isInstanceName(name: string): boolean {
  return INSTANCE_NAME.test(name);
}

/**
 * A `sip:` or `sips:` URI (RFC 3261 Section 19.1) good enough to be dialled: scheme, optional
 * userinfo, a non-empty host, no whitespace, angle brackets, quotes or control characters.
 */
export function isSipOrSipsUri(s: string): boolean {
  const match = /^sips?:(.+)$/i.exec(s);
  if (match === null) return false;
  const rest = match[1] ?? "";
  // eslint-disable-next-line no-control-regex
  if (/[\s<>"\\\u0000-\u001f\u007f]/.test(rest)) return false;
  const at = rest.lastIndexOf("@", rest.search(/[;?]|$/));
  const hostPart = (at >= 0 ? rest.slice(at + 1) : rest).split(/[;?]/)[0] ?? "";
  if (at === 0) return false;
  // host[:port]; IPv6 references are bracketed.
  return /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$/.test(hostPart);
}

/**
 * MSML time designation, RFC 5707 Section 16.1.2 `posDuration.datatype`:
 * `(\+)?([0-9]*\.)?[0-9]+(ms|s)`. Returns whole milliseconds, or undefined when not a duration.
 */
export function parseMsmlDuration(value: string): number | undefined {
  const match = /^\+?((?:[0-9]*\.)?[0-9]+)(ms|s)$/.exec(value);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const ms = match[2] === "s" ? amount * 1000 : amount;
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER) return undefined;
  return Math.round(ms);
}

/** Writes whole milliseconds as an MSML time designation: `3s` when whole seconds, else `500ms`. */
export function formatMsmlDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
