// Cache-Control (RFC 9111 §5.2.2, `immutable` from RFC 8246) by file name. A name that carries a
// hash of its content changes whenever the content does, so browsers may keep it for a year
// without asking again; everything else is revalidated on each use (cheap: a 304).
//
// A false positive would pin stale content in browsers for a year, a false negative only costs a
// revalidation, so the rule is deliberately narrow. A name is hashed when either:
//   - a dot-separated part other than the first and the last is 8–64 hex digits mixing letters
//     and digits: Django's ManifestStaticFilesStorage and WhiteNoise (`app.3f2a1b9c8d7e.css`),
//     webpack `[name].[contenthash].js`, Parcel (`index.3f2a1b9c.js`);
//   - a dot-separated part other than the last ends in "-" plus exactly 8 base64url characters
//     mixing letters and digits: Vite/Rollup (`index-BzX3k9a1.js`, `index-C_0Ei-3J.js`,
//     `index-BzX3k9a1.js.map`) and esbuild (`app-ABCD2345.js`).
// Requiring both letters and digits keeps dates (`report.20240101.css`) and words
// (`jquery-ui-datepicker.js`) out; the few real hashes without a digit simply revalidate.

export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const REVALIDATE_CACHE_CONTROL = "public, max-age=0, must-revalidate";

const HEX_HASH = /^[0-9a-f]{8,64}$/i;
const DASH_HASH_AT_END = /-([A-Za-z0-9_-]{8})$/;

export function cacheControlFor(fileName: string): string {
  return hasContentHash(fileName) ? IMMUTABLE_CACHE_CONTROL : REVALIDATE_CACHE_CONTROL;
}

export function hasContentHash(fileName: string): boolean {
  const parts = fileName.split(".");
  if (parts.length < 2) return false;
  const middle = parts.slice(1, -1);
  if (middle.some((part) => HEX_HASH.test(part) && mixesLettersAndDigits(part))) return true;
  return parts.slice(0, -1).some((part) => {
    const dashHash = DASH_HASH_AT_END.exec(part)?.[1];
    return dashHash !== undefined && mixesLettersAndDigits(dashHash);
  });
}

function mixesLettersAndDigits(text: string): boolean {
  return /[0-9]/.test(text) && /[A-Za-z]/.test(text);
}
