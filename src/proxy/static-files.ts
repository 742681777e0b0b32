import type { Stats } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import { acceptedCodings, type ContentCoding } from "./static-accept-encoding.js";
import { contentTypeFor, isCompressible } from "./static-content-type.js";
import { closeFile, type OpenedFile } from "./static-open-file.js";
import { decodeStaticPath, MountDirectory } from "./static-path.js";
import { Precompressor } from "./static-precompress.js";
import { HOT_FILE_MAX_BYTES, HotFiles } from "./static-hot-files.js";
import { respondWithFile, sendEmpty } from "./static-respond.js";
import { readWholeFile } from "./static-send-body.js";
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
  private readonly hotFiles = new HotFiles();

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
    const plain = HotFiles.isPlain(request);
    if (plain && this.hotFiles.trySend(pathBelowPrefix, request, response)) return true;
    const segments = decodeStaticPath(pathBelowPrefix);
    if (segments === null) return false;
    const opened = await this.directory.openInside(segments);
    if (opened === null) return false;
    const { file, realPath } = opened;
    const fileName = segments[segments.length - 1] ?? "";
    const contentType = contentTypeFor(fileName);
    if (plain && file.stats.size <= HOT_FILE_MAX_BYTES && (!isCompressible(contentType) || acceptedCodings(request.headers["accept-encoding"]).length === 0)) {
      const body = await readWholeFile(file);
      if (body === null) {
        response.destroy();
        return true;
      }
      this.hotFiles.remember(pathBelowPrefix, file, body, fileName, contentType);
      return this.hotFiles.trySend(pathBelowPrefix, request, response);
    }

    let variant: Variant | null;
    try {
      variant = await this.findVariant(request, realPath, file.stats, contentType, join(this.mount.directory, ...segments));
    } catch (error) {
      closeFile(file);
      throw error;
    }
    if (variant !== null) {
      closeFile(file);
      await respondWithFile(request, response, { ...variant, fileName, contentType });
      return true;
    }
    await respondWithFile(request, response, { body: file, coding: null, original: file.stats, fileName, contentType });
    return true;
  }

  /** Resolves once background compression has finished (for shutdown and tests). */
  whenPrecompressionIdle(): Promise<void> {
    return this.precompressor.whenIdle();
  }

  /**
   * The best compressed variant the client accepts that is actually smaller than the original
   * (open, at `realPath`, with `original` stats), or null to serve the original. A Range request
   * always gets the original: ranges of a compressed variant are useless to clients.
   */
  private async findVariant(request: IncomingMessage, realPath: string, original: Stats, contentType: string, requestedPath: string): Promise<Variant | null> {
    if (!isCompressible(contentType)) return null;
    if (request.method === "GET" && request.headers.range !== undefined) return null;
    const codings = acceptedCodings(request.headers["accept-encoding"]);
    if (codings.length === 0) return null;
    for (const coding of codings) {
      const body = await this.precompressor.openVariant(realPath, original, coding, requestedPath);
      if (body === null) continue;
      if (body.stats.size < original.size) return { body, coding, original };
      closeFile(body);
    }
    return null;
  }
}
