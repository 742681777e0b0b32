// The control socket speaks newline-delimited JSON: one request per connection, zero or more
// progress events, then exactly one final reply.

import type { Diagnostic } from "../errors.js";

/** Bumped whenever a request or reply changes shape: a CLI and a daemon of different protocols hand over. */
export const PROTOCOL_VERSION = 2;

export interface Request {
  op: string;
  protocol?: number;
  [argument: string]: unknown;
}

export type Reply =
  | { type: "progress"; message: string }
  | { type: "result"; result: unknown }
  | { type: "error"; error: WireError };

export interface WireError {
  message: string;
  hint?: string;
  details?: string;
  exitCode: number;
  diagnostics?: Diagnostic[];
  bug?: boolean;
}

export function encode(reply: Reply | Request): string {
  return JSON.stringify(reply) + "\n";
}
