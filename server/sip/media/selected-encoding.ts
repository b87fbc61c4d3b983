import { parseSdp, selectedCodec } from "../../../protocol/sdp";

/**
 * The codec the media engine chose on a leg (first non-event format of its answer), as
 * NAME/rate: the next leg of the call is offered it first, so the engine need not transcode.
 */
export function selectedEncoding(answer: Buffer): string | undefined {
  const sdp = parseSdp(answer);
  const audio = sdp.media.find((media) => media.media === "audio" && media.port !== 0);
  const codec = audio === undefined ? undefined : selectedCodec(audio);
  return codec === undefined ? undefined : `${codec.encoding}/${codec.clockRate}`;
}
