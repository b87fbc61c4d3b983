export { formatParamValue, parseContentType, type ParsedContentType } from "./content-type";
export {
  MAX_BOUNDARY_LENGTH,
  MAX_MULTIPART_PARTS,
  parseMultipart,
  serializeMultipart,
  type BodyPart,
  type BodyPartHeader,
  type SerializablePart,
} from "./multipart";
