import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { acceptedCodings } from "./static-accept-encoding.js";
import { cacheControlFor } from "./static-cache-control.js";
import { isCompressible } from "./static-content-type.js";
import type { OpenedFile } from "./static-open-file.js";
import { entityTagFor, lastModifiedFor } from "./static-validators.js";

/** Files up to this size are kept in memory once served (a page's CSS, JS, icons, fonts). */
export const HOT_FILE_MAX_BYTES = 256 * 1024;
/** What one mount keeps in memory at most, per proxy worker; the oldest entries go first. */
const HOT_FILES_MAX_TOTAL_BYTES = 32 * 1024 * 1024;
/**
 * How long an entry is served without looking at the file again. Past it the file is opened
 * afresh (the mount checks, validators, a new body): a file changed in place is seen within this
 * time, a deploy that swaps the directory too (the mount re-resolves it as often).
 */
const HOT_FILE_TTL_MS = 1000;

interface HotFile {
  body: Buffer;
  /** Every header of the whole 200 answer, computed once. */
  headers: OutgoingHttpHeaders;
  compressible: boolean;
  loadedAt: number;
}

/**
 * Small static files kept in memory with their response headers, for the plain case that is most
 * of the traffic: a whole GET or HEAD with no Range, no condition, and no compressed variant to
 * choose (the file is not compressible, or the client accepts no coding). Anything else takes the
 * full path (static-files.ts), which also refills the entry. bench/proxy: serving a 4 KiB file
 * from memory skips an open, two fstats, a readlink, a read and a close per request.
 */
export class HotFiles {
  private readonly entries = new Map<string, HotFile>();
  private totalBytes = 0;

  /** Whether the request can be answered by a whole identity 200 from memory. */
  static isPlain(request: IncomingMessage): boolean {
    const headers = request.headers;
    return (
      (request.method === "GET" || request.method === "HEAD") &&
      headers.range === undefined &&
      headers["if-none-match"] === undefined &&
      headers["if-modified-since"] === undefined &&
      headers["if-match"] === undefined &&
      headers["if-unmodified-since"] === undefined
    );
  }

  /** Answers from memory and returns true, or returns false having written nothing. */
  trySend(key: string, request: IncomingMessage, response: ServerResponse): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (performance.now() - entry.loadedAt > HOT_FILE_TTL_MS) {
      this.forget(key, entry);
      return false;
    }
    if (entry.compressible && acceptedCodings(request.headers["accept-encoding"]).length > 0) return false;
    response.writeHead(200, entry.headers);
    if (request.method === "HEAD") response.end();
    else response.end(entry.body);
    return true;
  }

  /** Keeps `body`, the whole content of `file`, under `key`; its headers are those static-respond.ts gives a whole 200. */
  remember(key: string, file: OpenedFile, body: Buffer, fileName: string, contentType: string): void {
    if (body.length > HOT_FILE_MAX_BYTES) return;
    const previous = this.entries.get(key);
    if (previous) this.forget(key, previous);
    const compressible = isCompressible(contentType);
    const headers: OutgoingHttpHeaders = {
      etag: entityTagFor(file.stats.size, file.stats.mtimeMs, null),
      "last-modified": new Date(lastModifiedFor(file.stats.mtimeMs)).toUTCString(),
      "cache-control": cacheControlFor(fileName),
      ...(compressible ? { vary: "Accept-Encoding" } : {}),
      "accept-ranges": "bytes",
      "x-content-type-options": "nosniff",
      "content-type": contentType,
      "content-length": body.length,
    };
    this.entries.set(key, { body, headers, compressible, loadedAt: performance.now() });
    this.totalBytes += body.length;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.totalBytes <= HOT_FILES_MAX_TOTAL_BYTES) break;
      this.forget(oldestKey, oldest);
    }
  }

  private forget(key: string, entry: HotFile): void {
    this.entries.delete(key);
    this.totalBytes -= entry.body.length;
  }
}
