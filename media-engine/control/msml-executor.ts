import {
  MsmlError,
  MsmlStatus,
  parseMsml,
  type MsmlRequestItem,
  type MsmlResult,
  type MsmlStream,
} from "../../protocol/msml";
import { ProtocolParseError } from "../../protocol/protocol-parse-error";
import type { JoinDirection, MediaBridge } from "../rtp";
import type { RecordingManager } from "../recording/recording-manager";
import type { PlayDialogs } from "../tone/play-dialogs";
import type { MediaLeg } from "./media-leg";

export interface MsmlContext {
  readonly bridge: MediaBridge;
  readonly recordings: RecordingManager;
  readonly plays: PlayDialogs;
  leg(connId: string): MediaLeg | undefined;
  legs(): Iterable<MediaLeg>;
  /**
   * Runs work that outlives the INFO (a recorder's BYE, a re-INVITE): the MSML result has gone
   * already, so a failure can only be reported, never thrown (it would be an unhandled rejection).
   */
  contain(work: Promise<unknown>, where: string, subject: string): void;
}

/**
 * RFC 5707 §7.1 <join>: "dir" on <stream> — "from-id1" means media flows from id1 to id2 only,
 * "to-id1" the reverse. Without streams the join is full duplex for every medium.
 */
function joinDirection(streams: readonly MsmlStream[]): JoinDirection {
  const audio = streams.find((stream) => stream.media === "audio");
  if (audio?.dir === "from-id1") return "a-to-b";
  if (audio?.dir === "to-id1") return "b-to-a";
  return "both";
}

function requireLeg(context: MsmlContext, id: string): MediaLeg {
  if (!id.startsWith("conn:")) {
    throw new MsmlError(
      MsmlStatus.CANNOT_JOIN_OBJECT_CLASS.code,
      `${id}: only connections can be joined here`,
    );
  }
  const leg = context.leg(id);
  if (leg === undefined) throw new MsmlError(MsmlStatus.OBJECT_DOES_NOT_EXIST.code, `${id} does not exist`);
  return leg;
}

/** Checks an item against the current state; returns the action to run once every item passed. */
function plan(context: MsmlContext, item: MsmlRequestItem): () => Partial<MsmlResult> {
  switch (item.kind) {
    case "join": {
      const a = requireLeg(context, item.id1);
      const b = requireLeg(context, item.id2);
      if (a === b)
        throw new MsmlError(MsmlStatus.INVALID_ATTRIBUTE_VALUE.code, "cannot join a connection to itself");
      // No transcoding: both legs must carry the same payload format.
      if (a.codec.encoding.toUpperCase() !== b.codec.encoding.toUpperCase()) {
        throw new MsmlError(
          MsmlStatus.INCOMPATIBLE_MEDIA_FORMATS.code,
          `${item.id1} uses ${a.codec.encoding}, ${item.id2} uses ${b.codec.encoding}`,
        );
      }
      const direction = joinDirection(item.streams);
      return () => {
        context.bridge.join(a.endpoint, b.endpoint, direction);
        return {};
      };
    }
    case "unjoin": {
      if (item.id1 === "*" || item.id2 === "*") {
        const leg = requireLeg(context, item.id1 === "*" ? item.id2 : item.id1);
        return () => {
          context.bridge.unjoinAll(leg.endpoint);
          return {};
        };
      }
      const a = requireLeg(context, item.id1);
      const b = requireLeg(context, item.id2);
      return () => {
        context.bridge.unjoin(a.endpoint, b.endpoint);
        return {};
      };
    }
    case "dialogstart": {
      const what = item.play === undefined ? "record" : "play to";
      if (!item.target.startsWith("conn:")) {
        throw new MsmlError(MsmlStatus.CANNOT_JOIN_OBJECT_CLASS.code, `${item.target}: ${what} a connection`);
      }
      const leg = context.leg(item.target);
      if (leg === undefined)
        throw new MsmlError(MsmlStatus.OBJECT_DOES_NOT_EXIST.code, `${item.target} does not exist`);
      if (item.play !== undefined) {
        // The tone goes into what the target's party hears (msml-play.ts, ToneOverlay).
        const start = context.plays.prepare(leg, item.name, item.play);
        return () => ({ dialogid: start() });
      }
      if (item.record === undefined) {
        throw new MsmlError(MsmlStatus.UNSUPPORTED_ELEMENT.code, "a dialog is a <record> or a <play>");
      }
      const start = context.recordings.prepare(leg, item.name, item.record);
      return () => ({ dialogid: start() });
    }
    case "dialogend": {
      if (context.plays.has(item.id)) {
        return () => {
          context.plays.end(item.id);
          return { dialogid: item.id };
        };
      }
      const session = context.recordings.require(item.id);
      return () => {
        context.contain(session.stop(), "recording_stop", item.id);
        return { dialogid: item.id };
      };
    }
    case "send": {
      const session = context.recordings.require(item.target);
      if (item.event !== "pause" && item.event !== "resume") {
        throw new MsmlError(
          MsmlStatus.INVALID_ATTRIBUTE_VALUE.code,
          `event "${item.event}": a recording understands pause and resume`,
        );
      }
      return () => {
        // Pause takes effect before this INFO is even answered: nothing more is forwarded.
        if (item.event === "pause") session.pause();
        else context.contain(session.resume(), "recording_resume", item.target);
        return { dialogid: item.target };
      };
    }
    case "createconference":
    case "destroyconference":
      throw new MsmlError(
        MsmlStatus.UNSUPPORTED_ELEMENT.code,
        `<${item.kind}>: calls are bridged connection to connection, without mixing`,
      );
  }
}

/**
 * Runs one MSML document. Every item is checked before any is applied, so a failing request
 * changes nothing. RFC 5707 §7.3: the result carries "response" with the status code and a
 * <description> of the error.
 */
export function executeMsml(context: MsmlContext, body: Buffer): MsmlResult {
  let items: MsmlRequestItem[];
  try {
    const document = parseMsml(body);
    if (document.type !== "request") {
      throw new MsmlError(MsmlStatus.BAD_REQUEST.code, `<${document.type}> is not a request`);
    }
    items = document.items;
  } catch (error) {
    return failure(error);
  }
  let actions: (() => Partial<MsmlResult>)[];
  try {
    actions = items.map((item) => plan(context, item));
  } catch (error) {
    return failure(error);
  }
  let result: MsmlResult = { version: "1.1", response: MsmlStatus.OK.code };
  for (const action of actions) result = { ...result, ...action() };
  return result;
}

function failure(error: unknown): MsmlResult {
  if (error instanceof MsmlError) {
    return { version: "1.1", response: error.status, description: error.message };
  }
  if (error instanceof ProtocolParseError) {
    return { version: "1.1", response: MsmlStatus.BAD_REQUEST.code, description: error.message };
  }
  throw error;
}
