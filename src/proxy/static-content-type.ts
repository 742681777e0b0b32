import { contentType, lookup } from "mime-types";

// Content-Type per RFC 9110 §8.3, from the file extension; browsers are told not to sniff
// (X-Content-Type-Options), so an unknown extension is plain bytes rather than a guess.

const UNKNOWN_TYPE = "application/octet-stream";

/** Media types that shrink under gzip/brotli; images, fonts like woff2, audio and video are already compressed. */
const COMPRESSIBLE_TYPES = new Set([
  "application/javascript",
  "application/json",
  "application/manifest+json",
  "application/wasm",
  "application/xml",
  "application/xhtml+xml",
  "application/rss+xml",
  "application/atom+xml",
  "application/ld+json",
  "application/geo+json",
  "application/x-javascript",
  "application/vnd.ms-fontobject",
  "font/otf",
  "font/ttf",
  "image/bmp",
  "image/svg+xml",
  "image/vnd.microsoft.icon",
  "image/x-icon",
  "model/gltf+json",
]);

/** The Content-Type header for `fileName`: text types carry `; charset=utf-8`. */
export function contentTypeFor(fileName: string): string {
  const mediaType = lookup(fileName);
  if (mediaType === false) return UNKNOWN_TYPE;
  return contentType(mediaType) || mediaType;
}

/** Whether a file of this Content-Type (parameters allowed) is worth sending compressed. */
export function isCompressible(contentTypeHeader: string): boolean {
  const mediaType = (contentTypeHeader.split(";")[0] ?? "").trim().toLowerCase();
  if (mediaType.startsWith("text/")) return true;
  if (mediaType.endsWith("+json") || mediaType.endsWith("+xml")) return true;
  return COMPRESSIBLE_TYPES.has(mediaType);
}
