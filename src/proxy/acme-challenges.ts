import type { AcmeChallengeResponder } from "./acme.js";

// The HTTP-01 tokens currently being validated. The daemon keeps one of these, copies `snapshot()`
// into ProxyTable.acmeChallenges whenever it changes, and awaits the push before the CA is told
// to validate, so no worker can answer 404 to the CA's request.

export type ChallengeListener = (tokens: Record<string, string>) => void | Promise<void>;

export class AcmeChallengeStore implements AcmeChallengeResponder {
  readonly #tokens = new Map<string, string>();

  constructor(private readonly onChange: ChallengeListener = () => {}) {}

  async set(token: string, keyAuthorization: string): Promise<void> {
    this.#tokens.set(token, keyAuthorization);
    await this.onChange(this.snapshot());
  }

  async remove(token: string): Promise<void> {
    if (!this.#tokens.delete(token)) return;
    await this.onChange(this.snapshot());
  }

  /** The key authorization to answer for `token` (RFC 8555 section 8.3), or undefined. */
  get(token: string): string | undefined {
    return this.#tokens.get(token);
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries(this.#tokens);
  }
}
