import fs from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { roleAllows } from "../../common/roles";
import type { ServerEnv } from "../env";
import { AppError, AppErrorCode } from "../errors/app-error";
import { SESSION_COOKIE, authenticate } from "../services/auth/auth-service";
import type { Db } from "../services/db";
import {
  type PlaybackAction,
  auditPlayback,
  findPlaybackSource,
} from "../services/recording/recording-playback-service";
import { parseCookies } from "./cookies";

/** /api/recordings/<recording id>/audio or /metadata. */
const ROUTE = /^\/api\/recordings\/([^/]{1,200})\/(audio|metadata)$/;

/** The lab recorder's token file (recorder/recordings-token.ts), read when not configured. */
const TOKEN_FILE = ".http-token";

const STATUS: Record<AppErrorCode, number> = {
  [AppErrorCode.UNAUTHORIZED]: 401,
  [AppErrorCode.FORBIDDEN]: 403,
  [AppErrorCode.NOT_FOUND]: 404,
  [AppErrorCode.CONFLICT]: 409,
  [AppErrorCode.INVALID_INPUT]: 400,
  [AppErrorCode.TOO_MANY_REQUESTS]: 429,
  [AppErrorCode.NOT_IMPLEMENTED]: 501,
  [AppErrorCode.UNAVAILABLE]: 503,
  [AppErrorCode.INTERNAL]: 500,
};

/** The response headers of the lab recorder's answer passed on to the browser. */
const PASSED_ON = ["content-type", "content-length", "content-range", "accept-ranges"] as const;

export function isRecordingMediaPath(url: string): boolean {
  return url.startsWith("/api/recordings/");
}

/**
 * Playback behind the server: `GET /api/recordings/<id>/audio[?segment=n][&download=1]` and
 * `/metadata`, for signed-in supervisors and admins (cookie or API token, as tRPC). The browser
 * never talks to the lab recorder: the server fetches the file from its HTTP with the recorder's
 * token, passing the Range header through (so <audio> can seek) and streaming the answer back.
 * A third-party recorder's recording is a redirect (303) to its player. Each listen (a request
 * for the start of the audio) and each download (audio or metadata) is audited.
 */
export function recordingMediaEndpoint(
  db: Db,
  env: ServerEnv,
): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const labRecorderUri = `sip:127.0.0.1:${env.RECORDER_SIP_PORT}`;
  return async (req, res) => {
    try {
      await serve(req, res);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const appError = error instanceof AppError ? error : undefined;
      res
        .writeHead(appError ? STATUS[appError.code] : 500, { "content-type": "text/plain; charset=utf-8" })
        .end(`${appError?.message ?? "The recording could not be served."}\n`);
    }
  };

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = ROUTE.exec(url.pathname);
    if (!match) throw new AppError(AppErrorCode.NOT_FOUND, "No such recording resource.");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const actor = await authenticate(db, {
      apiToken: bearer,
      sessionToken: parseCookies(req.headers.cookie).get(SESSION_COOKIE),
    });
    if (!actor) throw new AppError(AppErrorCode.UNAUTHORIZED, "Sign in first.");
    if (!roleAllows(actor.role, "supervisor"))
      throw new AppError(AppErrorCode.FORBIDDEN, `Recordings are for supervisors; you are ${actor.role}.`);

    let recordingId: string;
    try {
      recordingId = decodeURIComponent(match[1] ?? "");
    } catch {
      throw new AppError(AppErrorCode.INVALID_INPUT, "Bad recording id.");
    }
    const file = match[2] === "metadata" ? "metadata" : "audio";
    const segmentParam = url.searchParams.get("segment") ?? "1";
    if (!/^[1-9]\d{0,3}$/.test(segmentParam))
      throw new AppError(AppErrorCode.INVALID_INPUT, "segment must be a whole number from 1.");
    const segment = Number(segmentParam);
    const download = url.searchParams.get("download") === "1";

    const source = await findPlaybackSource(db, labRecorderUri, recordingId, segment);
    if (source.kind === "link") {
      if (file === "metadata")
        throw new AppError(
          AppErrorCode.NOT_FOUND,
          "This recorder keeps the recording's metadata in its own player.",
        );
      if (req.method === "GET")
        await auditPlayback(db, actor, { recordingId, segment, action: "listen", file });
      res.writeHead(303, { location: source.url }).end();
      return;
    }

    const range = typeof req.headers.range === "string" ? req.headers.range : undefined;
    const extension = file === "audio" ? "wav" : "json";
    let upstream: Response;
    try {
      upstream = await fetch(
        `http://127.0.0.1:${env.RECORDER_HTTP_PORT}/recordings/${encodeURIComponent(source.fileName)}.${extension}`,
        {
          method: req.method,
          headers: {
            authorization: `Bearer ${await recorderToken()}`,
            ...(range === undefined ? {} : { range }),
          },
        },
      );
    } catch (error) {
      if (error instanceof AppError) throw error;
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, …) is its cause.
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new AppError(
        AppErrorCode.UNAVAILABLE,
        `The lab recorder's HTTP (port ${env.RECORDER_HTTP_PORT}) does not answer (${cause}).`,
      );
    }
    if (upstream.status === 404) {
      discard(upstream);
      throw new AppError(
        AppErrorCode.NOT_FOUND,
        `The lab recorder has no file for recording ${recordingId}.`,
      );
    }
    if (upstream.status === 401) {
      discard(upstream);
      throw new AppError(
        AppErrorCode.UNAVAILABLE,
        "The lab recorder refused the server's token: set the same RECORDER_HTTP_TOKEN for both.",
      );
    }
    const ok = upstream.status === 200 || upstream.status === 206;
    // The player reads the metadata to name the channels: only its download counts.
    const action = file === "metadata" && !download ? undefined : playbackAction(download, range);
    if (ok && req.method === "GET" && action !== undefined)
      await auditPlayback(db, actor, { recordingId, segment, action, file });

    const headers: Record<string, string> = { "cache-control": "private, no-store" };
    for (const name of PASSED_ON) {
      const value = upstream.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const name = `${source.fileName}.${extension}`;
    headers["content-disposition"] = `${download ? "attachment" : "inline"}; filename="${name}"`;
    res.writeHead(upstream.status, headers);
    if (req.method === "HEAD" || upstream.body === null) {
      discard(upstream);
      res.end();
      return;
    }
    const body = Readable.fromWeb(upstream.body as NodeReadableStream);
    // A browser that stops listening (seek, closed tab) ends the fetch from the recorder too.
    res.on("close", () => body.destroy());
    body.on("error", () => res.destroy());
    body.pipe(res);
  }

  async function recorderToken(): Promise<string> {
    if (env.RECORDER_HTTP_TOKEN !== undefined) return env.RECORDER_HTTP_TOKEN;
    // Read on each request: the recorder writes the file at its first start, maybe after ours.
    try {
      return (await fs.readFile(path.join(env.RECORDINGS_DIR, TOKEN_FILE), "utf8")).trim();
    } catch {
      throw new AppError(
        AppErrorCode.UNAVAILABLE,
        `No lab recorder token: set RECORDER_HTTP_TOKEN or let the recorder write ${TOKEN_FILE} in RECORDINGS_DIR.`,
      );
    }
  }
}

/**
 * What a request counts as in the audit log: a download whenever `download=1`; a listen when the
 * player asks for the start of the file (no Range, or one from byte 0); undefined for the ranges
 * a player fetches while seeking within a listen already counted.
 */
export function playbackAction(download: boolean, range: string | undefined): PlaybackAction | undefined {
  if (download) return "download";
  if (range === undefined || /^bytes=\s*0-/.test(range)) return "listen";
  return undefined;
}

/**
 * Drops an upstream answer's body without waiting: the recorder's small error texts are read
 * off the socket so the connection is reused. Not awaited: a body cancelled after it has been
 * fully received may never settle its cancel promise (seen with Node 20's fetch), which held
 * the browser's request open.
 */
function discard(upstream: Response): void {
  void upstream.arrayBuffer().catch(() => undefined);
}
