import { randomBytes, timingSafeEqual } from "node:crypto";

// Jupyter-style access: `berth dashboard` asks the daemon for a one-time login token; redeeming it
// opens a session (an HttpOnly cookie) and burns the token. Everything lives in the daemon's memory:
// a daemon restart logs everyone out, which is the safe direction.

export const SESSION_COOKIE = "berth_session";
/** A login link is meant to be opened right away. */
export const LOGIN_TOKEN_TTL_MS = 15 * 60_000;
export const SESSION_IDLE_TTL_MS = 12 * 60 * 60_000;
/** Bounds memory whatever a client does: the oldest session or token is dropped first. */
const MAX_SESSIONS = 64;
const MAX_PENDING_TOKENS = 16;

export interface Session {
  id: string;
  /** Sent back by the page with every state-changing request (double submit, never in a cookie). */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export class SessionStore {
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  issueLoginToken(): { token: string; expiresAt: number } {
    this.forgetExpired();
    const token = randomSecret();
    const expiresAt = this.now() + LOGIN_TOKEN_TTL_MS;
    this.tokens.set(token, expiresAt);
    dropOldest(this.tokens, MAX_PENDING_TOKENS);
    return { token, expiresAt };
  }

  /** A new session for a valid token, which is burnt either way; null for an unknown, used or expired one. */
  redeemLoginToken(token: string): Session | null {
    this.forgetExpired();
    const match = [...this.tokens.keys()].find((candidate) => sameSecret(candidate, token));
    if (match === undefined) return null;
    this.tokens.delete(match);
    const now = this.now();
    const session: Session = { id: randomSecret(), csrfToken: randomSecret(), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.id, session);
    dropOldest(this.sessions, MAX_SESSIONS);
    return session;
  }

  find(sessionId: string | undefined): Session | null {
    if (!sessionId) return null;
    const session = this.sessions.get(sessionId);
    if (!session) return null;
    if (this.now() - session.lastSeenAt > SESSION_IDLE_TTL_MS) {
      this.sessions.delete(sessionId);
      return null;
    }
    session.lastSeenAt = this.now();
    return session;
  }

  end(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [token, expiresAt] of this.tokens) if (expiresAt <= now) this.tokens.delete(token);
  }
}

/** Constant time for equal lengths, so a guess learns nothing from how long the check took. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

function dropOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as K);
}
