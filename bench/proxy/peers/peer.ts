// What every proxy under test provides, and what they share: the upstream, the static files, the ports.
import type { UpstreamSpec } from "./upstream.js";

export type PeerName = "nginx" | "caddy" | "berth";

/** The Host header every request carries; berth's stack lists it in `proxy.hosts`. */
export const SITE_HOST = "bench.test";

export interface BenchContext {
  /** The repository root (bin/berth.js, bench/proxy/upstream.mjs). */
  root: string;
  /** The node binary for berth and the node upstream. */
  node: string;
  /** The temporary directory holding every peer's files; deleted at the end. */
  directory: string;
  /** Absolute directory of the static files, the same for every peer. */
  staticDir: string;
  /** berth's proxy workers, nginx's worker_processes, Caddy's GOMAXPROCS. */
  workers: number;
  upstream: UpstreamSpec;
  /** Whether Caddy also gets a `file_server` for /static/. */
  caddyStatic: boolean;
  progress: (line: string) => void;
}

/** One proxy listening on 127.0.0.1:`port` over plain HTTP. */
export interface Peer {
  readonly name: PeerName;
  readonly port: number;
  /** Starts it; resolves once it answers GET / with the upstream's body. */
  start(): Promise<void>;
  /** The processes whose CPU time counts as this proxy's (never the upstream's). */
  pids(): number[];
  /** Stops it and anything it left behind. Never rejects; resolves with what went wrong. */
  stop(): Promise<string[]>;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
