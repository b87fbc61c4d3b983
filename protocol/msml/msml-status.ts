/**
 * MSML response codes, RFC 5707 Section 11 ("Response Codes"):
 *
 * > "The response codes defined in this section are returned as the value of the response
 * > attribute to the <result> element.  Some values may also be returned as part of a namelist
 * > to an "msml.dialog.exit" event generated when an executing MSML dialog fails."
 *
 * Every code and description below is the RFC's own list; the ones it marks "reserved"
 * (433, 442, 443) are left out.
 */
export const MsmlStatus = {
  OK: { code: 200, description: "OK" },

  BAD_REQUEST: { code: 400, description: "Bad Request" },
  UNKNOWN_ELEMENT: { code: 401, description: "Unknown Element" },
  UNSUPPORTED_ELEMENT: { code: 402, description: "Unsupported Element" },
  MISSING_MANDATORY_ELEMENT_CONTENT: { code: 403, description: "Missing mandatory element content" },
  FORBIDDEN_ELEMENT_CONTENT: { code: 404, description: "Forbidden element content" },
  INVALID_ELEMENT_CONTENT: { code: 405, description: "Invalid element content" },
  UNKNOWN_ATTRIBUTE: { code: 406, description: "Unknown attribute" },
  ATTRIBUTE_NOT_SUPPORTED: { code: 407, description: "Attribute not supported" },
  MISSING_MANDATORY_ATTRIBUTE: { code: 408, description: "Missing mandatory attribute" },
  FORBIDDEN_ATTRIBUTE_PRESENT: { code: 409, description: "Forbidden attribute is present" },
  INVALID_ATTRIBUTE_VALUE: { code: 410, description: "Invalid attribute value" },

  UNSUPPORTED_MEDIA_DESCRIPTION_LANGUAGE: {
    code: 420,
    description: "Unsupported media description language",
  },
  UNKNOWN_MEDIA_DESCRIPTION_LANGUAGE: { code: 421, description: "Unknown media description language" },
  AMBIGUOUS_REQUEST: { code: 422, description: "Ambiguous request (both URI and inline description)" },
  EXTERNAL_DOCUMENT_FETCH_ERROR: { code: 423, description: "External document fetch error" },
  FOREIGN_LANGUAGE_SYNTAX_ERROR: { code: 424, description: "Syntax error in foreign language" },
  FOREIGN_LANGUAGE_SEMANTIC_ERROR: { code: 425, description: "Semantic error in foreign language" },
  FOREIGN_LANGUAGE_UNKNOWN_ERROR: { code: 426, description: "Unknown error executing foreign language" },

  OBJECT_DOES_NOT_EXIST: { code: 430, description: "Object does not exist" },
  INSTANCE_NAME_IN_USE: { code: 431, description: "Object instance name already used" },
  CONFERENCE_NAME_IN_USE: { code: 432, description: "Conference name already in use" },
  /** RFC 5707 lists "External document fetch error" twice, as 423 and as 434. */
  EXTERNAL_DOCUMENT_FETCH_ERROR_434: { code: 434, description: "External document fetch error" },

  CANNOT_JOIN_OBJECT_CLASS: { code: 440, description: "Cannot join objects of the specified class" },
  INCOMPATIBLE_MEDIA_TYPES: { code: 441, description: "Objects have incompatible media types" },
  MEDIA_INPUTS_EXCEEDED: { code: 444, description: "Number of media inputs exceeded" },

  INCOMPATIBLE_MEDIA_FORMATS: { code: 450, description: "Objects have incompatible media formats" },
  INCOMPATIBLE_STREAM_FORMAT: { code: 451, description: "Incompatible media stream format" },

  INTERNAL_ERROR: { code: 500, description: "Internal media server error" },
  SERVICE_UNAVAILABLE: { code: 503, description: "Service Unavailable" },
  NOT_IN_SERVICE: { code: 510, description: "Not in service" },
  SERVICE_UNAVAILABLE_511: { code: 511, description: "Service Unavailable" },
  /**
   * RFC 5707 Section 5: "If it does not have sufficient resources, it MUST return a 520 response
   * and MUST NOT execute the transaction."
   */
  NO_RESOURCE: { code: 520, description: "No resource to fulfill request" },
  INTERNAL_LIMIT_EXCEEDED: { code: 521, description: "Internal limit exceeded" },
} as const satisfies Record<string, { code: number; description: string }>;

export type MsmlStatusName = keyof typeof MsmlStatus;
export type MsmlStatusCode = (typeof MsmlStatus)[MsmlStatusName]["code"];

/** The RFC 5707 Section 11 description of a response code, if the RFC defines it. */
export function describeMsmlStatus(code: number): string | undefined {
  for (const entry of Object.values(MsmlStatus)) {
    if (entry.code === code) return entry.description;
  }
  return undefined;
}
