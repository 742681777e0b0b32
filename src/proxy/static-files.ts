import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Logger } from "../util/logger.js";
import { acceptedCodings, type ContentCoding } from "./static-accept-encoding.js";
import { cacheControlFor } from "./static-cache-control.js";
import { contentTypeFor, isCompressible } from "./static-content-type.js";
import { openRegularFile, type OpenedFile } from "./static-open-file.js";
import { decodeStaticPath, resolveInsideDirectory } from "./static-path.js";
import { Precompressor } from "./static-precompress.js";
import { parseRange } from "./static-range.js";
import { entityTagFor, evaluatePreconditions, ifRangeAllowsPartial, lastModifiedFor, type Validators } from "./static-validators.js";
import type { StaticMount } from "./types.js";

// Serves one static mount the way nginx would: GET and HEAD (RFC 9110 §9.3.1–2), validators and
// conditional requests (§8.8, §13), single byte ranges (§14) and precompressed gzip/brotli
// (§8.4). The file is re-examined on every request, so a deploy is visible at once.

export interface StaticFilesOptions {
  /** Where compressed variants made by berth are kept. */
  cacheDir: string;
  logger?: Logger;
}

const ALLOWED_METHODS = "GET, HEAD";

interface Representation {
  body: OpenedFile;
  coding: ContentCoding | null;
}

export class StaticFiles {
  private readonly precompressor: Precompressor;

  constructor(
    private readonly mount: StaticMount,
    options: StaticFilesOptions,
  ) {
    this.precompressor = new Precompressor(options);
  }

  /**
   * Serves the file for `pathBelowPrefix` (the raw, still percent-encoded URL path after the mount
   * prefix, without the query). Returns false — having written nothing — when there is no
   * servable file, so the caller can answer 404 itself. Resolves once the response has ended.
   */
  async serve(request: IncomingMessage, response: ServerResponse, pathBelowPrefix: string): Promise<boolean> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("allow", ALLOWED_METHODS);
      sendEmpty(response, 405);
      return true;
    }
    const segments = decodeStaticPath(pathBelowPrefix);
    if (segments === null) return false;
    const realPath = await resolveInsideDirectory(this.mount.directory, segments);
    if (realPath === null) return false;
    const file = await openRegularFile(realPath);
    if (file === null) return false;

    let representation: Representation;
    try {
      representation = await this.selectRepresentation(request, file, realPath, join(this.mount.directory, ...segments));
    } catch (error) {
      await file.handle.close();
      throw error;
    }
    if (representation.body !== file) await file.handle.close();
    await this.respond(request, response, segments[segments.length - 1] ?? "", file, representation);
    return true;
  }

  /** Resolves once background compression has finished (for shutdown and tests). */
  whenPrecompressionIdle(): Promise<void> {
    return this.precompressor.whenIdle();
  }

  /**
   * The identity file, or the best compressed variant the client accepts that is actually smaller.
   * A Range request always gets identity: ranges of a compressed variant are useless to clients.
   */
  private async selectRepresentation(request: IncomingMessage, file: OpenedFile, realPath: string, requestedPath: string): Promise<Representation> {
    const identity: Representation = { body: file, coding: null };
    if (!isCompressible(contentTypeFor(requestedPath))) return identity;
    if (request.method === "GET" && request.headers.range !== undefined) return identity;
    for (const coding of acceptedCodings(request.headers["accept-encoding"])) {
      const variant = await this.precompressor.openVariant(realPath, file.stats, coding, requestedPath);
      if (variant === null) continue;
      if (variant.stats.size < file.stats.size) return { body: variant, coding };
      await variant.handle.close();
    }
    return identity;
  }

  private async respond(request: IncomingMessage, response: ServerResponse, fileName: string, original: OpenedFile, representation: Representation): Promise<void> {
    const { body, coding } = representation;
    const contentType = contentTypeFor(fileName);
    const validators: Validators = {
      entityTag: entityTagFor(original.stats.size, original.stats.mtimeMs, coding),
      lastModifiedMs: lastModifiedFor(original.stats.mtimeMs),
    };
    // The headers a 304 must repeat (RFC 9110 §15.4.5), set first so every answer carries them.
    response.setHeader("etag", validators.entityTag);
    response.setHeader("last-modified", new Date(validators.lastModifiedMs).toUTCString());
    response.setHeader("cache-control", cacheControlFor(fileName));
    if (isCompressible(contentType)) response.setHeader("vary", "Accept-Encoding");

    const precondition = evaluatePreconditions(request.headers, validators);
    if (precondition !== "proceed") {
      await body.handle.close();
      sendEmpty(response, precondition === "not-modified" ? 304 : 412);
      return;
    }

    const size = body.stats.size;
    const range =
      request.method === "GET" && coding === null && ifRangeAllowsPartial(request.headers, validators)
        ? parseRange(request.headers.range, size)
        : ({ kind: "whole" } as const);
    response.setHeader("accept-ranges", "bytes");
    response.setHeader("x-content-type-options", "nosniff");
    if (range.kind === "unsatisfiable") {
      await body.handle.close();
      response.setHeader("content-range", `bytes */${size}`);
      sendEmpty(response, 416);
      return;
    }

    response.setHeader("content-type", contentType);
    if (coding !== null) response.setHeader("content-encoding", coding);
    if (range.kind === "partial") {
      response.setHeader("content-range", `bytes ${range.start}-${range.end}/${size}`);
      response.setHeader("content-length", range.end - range.start + 1);
      response.writeHead(206);
    } else {
      response.setHeader("content-length", size);
      response.writeHead(200);
    }
    if (request.method === "HEAD" || size === 0) {
      await body.handle.close();
      response.end();
      return;
    }
    const stream = body.handle.createReadStream(range.kind === "partial" ? { start: range.start, end: range.end } : {});
    // A client that goes away ends the pipeline early and the read stream is destroyed (closing
    // the file); a read error after the headers went out destroys the response and its socket,
    // so the client sees a truncated body instead of a wrong one.
    await pipeline(stream, response).catch(() => {});
  }
}

function sendEmpty(response: ServerResponse, status: number): void {
  if (status !== 304) response.setHeader("content-length", 0);
  response.writeHead(status);
  response.end();
}
