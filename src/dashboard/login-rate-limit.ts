// Login attempts per client address in a sliding window: a token is 256 random bits, so this is
// about not letting a published dashboard be hammered, not about guessing odds.

export const LOGIN_ATTEMPTS_PER_WINDOW = 10;
export const LOGIN_WINDOW_MS = 60_000;
const MAX_TRACKED_CLIENTS = 1024;

export class LoginRateLimit {
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an attempt; false when the client already used up its window. */
  allow(client: string): boolean {
    const now = this.now();
    const recent = (this.attempts.get(client) ?? []).filter((at) => now - at < LOGIN_WINDOW_MS);
    if (recent.length >= LOGIN_ATTEMPTS_PER_WINDOW) {
      this.attempts.set(client, recent);
      return false;
    }
    recent.push(now);
    this.attempts.delete(client);
    this.attempts.set(client, recent);
    if (this.attempts.size > MAX_TRACKED_CLIENTS) this.attempts.delete(this.attempts.keys().next().value as string);
    return true;
  }
}
