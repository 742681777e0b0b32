import { stat, type Stats } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import { acceptedCodings, type ContentCoding } from "./static-accept-encoding.js";
import { contentTypeFor, isCompressible } from "./static-content-type.js";
import { closeFile, openRegularFile, type OpenedFile } from "./static-open-file.js";
import { decodeStaticPath, isMissingPathError, MountDirectory } from "./static-path.js";
import { Precompressor } from "./static-precompress.js";
import { respondWithFile, sendEmpty } from "./static-respond.js";
import type { StaticMount } from "./types.js";

// Serves one static mount the way nginx would: GET and HEAD only (RFC 9110 §9.3.1–2), a path
// that cannot leave the mount directory, precompressed gzip/brotli (§8.4), validators,
// conditional requests and single byte ranges (static-respond.ts). Files are examined afresh on
// every request, so a deploy is visible at once.

export interface StaticFilesOptions {
  /** Where compressed variants made by berth are kept. */
  cacheDir: string;
  logger?: Logger;
}

const ALLOWED_METHODS = "GET, HEAD";

interface Variant {
  body: OpenedFile;
  coding: ContentCoding;
  original: Stats;
}

export class StaticFiles {
  private readonly directory: MountDirectory;
  private readonly precompressor: Precompressor;

  constructor(
    private readonly mount: StaticMount,
    options: StaticFilesOptions,
  ) {
    this.directory = new MountDirectory(mount.directory);
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
    const realPath = await this.directory.resolveInside(segments);
    if (realPath === null) return false;
    const fileName = segments[segments.length - 1] ?? "";
    const contentType = contentTypeFor(fileName);

    const variant = await this.findVariant(request, realPath, contentType, join(this.mount.directory, ...segments));
    if (variant === false) return false;
    if (variant !== null) {
      await respondWithFile(request, response, { ...variant, fileName, contentType });
      return true;
    }
    const file = await openRegularFile(realPath);
    if (file === null) return false;
    await respondWithFile(request, response, { body: file, coding: null, original: file.stats, fileName, contentType });
    return true;
  }

  /** Resolves once background compression has finished (for shutdown and tests). */
  whenPrecompressionIdle(): Promise<void> {
    return this.precompressor.whenIdle();
  }

  /**
   * The best compressed variant the client accepts that is actually smaller than the original,
   * null to serve the original, or false when the path is not a regular file. The original is only
   * stat'ed here: when a variant is sent, the original need not be opened at all. A Range request
   * always gets the original: ranges of a compressed variant are useless to clients.
   */
  private async findVariant(request: IncomingMessage, realPath: string, contentType: string, requestedPath: string): Promise<Variant | null | false> {
    if (!isCompressible(contentType)) return null;
    if (request.method === "GET" && request.headers.range !== undefined) return null;
    const codings = acceptedCodings(request.headers["accept-encoding"]);
    if (codings.length === 0) return null;
    const original = await statOrNull(realPath);
    if (original === null || !original.isFile()) return false;
    for (const coding of codings) {
      const body = await this.precompressor.openVariant(realPath, original, coding, requestedPath);
      if (body === null) continue;
      if (body.stats.size < original.size) return { body, coding, original };
      closeFile(body);
    }
    return null;
  }
}

function statOrNull(path: string): Promise<Stats | null> {
  return new Promise((resolve, reject) => {
    stat(path, (error, stats) => {
      if (!error) resolve(stats);
      else if (isMissingPathError(error)) resolve(null);
      else reject(error);
    });
  });
}
