import type { Stats } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ContentCoding } from "./static-accept-encoding.js";
import { cacheControlFor } from "./static-cache-control.js";
import { isCompressible } from "./static-content-type.js";
import { closeFile, type OpenedFile } from "./static-open-file.js";
import { parseRange } from "./static-range.js";
import { sendFileBody } from "./static-send-body.js";
import { entityTagFor, evaluatePreconditions, ifRangeAllowsPartial, lastModifiedFor, type Validators } from "./static-validators.js";

// The answer for one selected representation of a static file: validators and conditional
// requests (RFC 9110 §8.8, §13), a single byte range (§14), then the body.

export interface SelectedRepresentation {
  /** The open file whose bytes are sent: the original, or a compressed variant of it. */
  body: OpenedFile;
  coding: ContentCoding | null;
  /** The original's stats, which name the version in validators whatever the coding. */
  original: Stats;
  fileName: string;
  contentType: string;
}

/** Answers `request` from `selected` and closes its file; resolves once the response has ended. */
export async function respondWithFile(request: IncomingMessage, response: ServerResponse, selected: SelectedRepresentation): Promise<void> {
  const { body, coding, original, fileName, contentType } = selected;
  const validators: Validators = {
    entityTag: entityTagFor(original.size, original.mtimeMs, coding),
    lastModifiedMs: lastModifiedFor(original.mtimeMs),
  };
  // The headers a 304 must repeat (RFC 9110 §15.4.5), set first so every answer carries them.
  response.setHeader("etag", validators.entityTag);
  response.setHeader("last-modified", new Date(validators.lastModifiedMs).toUTCString());
  response.setHeader("cache-control", cacheControlFor(fileName));
  if (isCompressible(contentType)) response.setHeader("vary", "Accept-Encoding");

  const precondition = evaluatePreconditions(request.headers, validators);
  if (precondition !== "proceed") {
    closeFile(body);
    sendEmpty(response, precondition === "not-modified" ? 304 : 412);
    return;
  }

  const size = body.stats.size;
  const range =
    request.method === "GET" && coding === null && ifRangeAllowsPartial(request.headers, validators)
      ? parseRange(request.headers.range, size)
      : ({ kind: "whole" } as const);
  // Ranges are served from the identity file only, so only identity advertises them (as nginx does).
  if (coding === null) response.setHeader("accept-ranges", "bytes");
  response.setHeader("x-content-type-options", "nosniff");
  if (range.kind === "unsatisfiable") {
    closeFile(body);
    response.setHeader("content-range", `bytes */${size}`);
    sendEmpty(response, 416);
    return;
  }

  response.setHeader("content-type", contentType);
  if (coding !== null) response.setHeader("content-encoding", coding);
  const start = range.kind === "partial" ? range.start : 0;
  const length = range.kind === "partial" ? range.end - range.start + 1 : size;
  if (range.kind === "partial") response.setHeader("content-range", `bytes ${range.start}-${range.end}/${size}`);
  response.setHeader("content-length", length);
  response.writeHead(range.kind === "partial" ? 206 : 200);
  if (request.method === "HEAD" || length === 0) {
    closeFile(body);
    response.end();
    return;
  }
  await sendFileBody(body, start, length, response);
}

/** A bodiless answer; 304 has no Content-Length of its own (RFC 9110 §15.4.5). */
export function sendEmpty(response: ServerResponse, status: number): void {
  if (status !== 304) response.setHeader("content-length", 0);
  response.writeHead(status);
  response.end();
}
