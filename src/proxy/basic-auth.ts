import { createHash, timingSafeEqual } from "node:crypto";

// HTTP Basic authentication (RFC 7617) in front of a whole stack, for a staging site. The proxy
// keeps only a SHA-256 of "user:password" (the table travels over a socket and sits in memory);
// the password itself stays in the stack's secret store and appears in no log or output.

export interface BasicAuthEntry {
  /** Shown by browsers in the login prompt. */
  realm: string;
  /** Hex SHA-256 of "user:password". */
  credentialsSha256: string;
}

export function basicAuthEntry(realm: string, user: string, password: string): BasicAuthEntry {
  return { realm, credentialsSha256: sha256(`${user}:${password}`) };
}

/** Whether the Authorization header carries the expected user and password. */
export function isAuthorized(entry: BasicAuthEntry, authorization: string | undefined): boolean {
  if (!authorization) return false;
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match) return false;
  const given = Buffer.from(sha256(Buffer.from(match[1]!, "base64").toString("utf8")), "hex");
  return timingSafeEqual(given, Buffer.from(entry.credentialsSha256, "hex"));
}

/** RFC 7617 §2: the challenge, with the charset the credentials are decoded with. */
export function basicAuthChallenge(entry: BasicAuthEntry): string {
  return `Basic realm="${entry.realm.replace(/["\\]/g, "")}", charset="UTF-8"`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
