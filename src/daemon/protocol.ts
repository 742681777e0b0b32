// The control socket speaks newline-delimited JSON: one request per connection, zero or more
// progress events, then exactly one final reply.

import type { Diagnostic } from "../errors.js";

export interface Request {
  op: string;
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
