// Continuous plain-HTTP load on 127.0.0.1: a few keep-alive clients looping GET /.
import { Agent, request } from "node:http";
import { LOOPBACK, sleep } from "../supervisor/system.js";

export interface LoadCounters {
  requests: number;
  failures: number;
  /** 200 answers per body ("hello from v2"). */
  versions: Map<string, number>;
  /** Failures by kind ("502 Bad Gateway", "ECONNRESET"), counted. */
  kinds: Map<string, number>;
  /** performance.now() of the first and the last failure since resetWindow() (null before any). */
  firstFailureAt: number | null;
  lastFailureAt: number | null;
}

export interface LoadOptions {
  port: number;
  /** Host header (berth's proxy routes by it); none for PM2. */
  host?: string;
  clients: number;
  /** Every client stops at this performance.now() value even if stop() is never called. */
  deadline: number;
}

export interface Load {
  counters: LoadCounters;
  /** A copy of the counters now, to diff around one deploy. */
  snapshot(): LoadCounters;
  /** Forgets firstFailureAt and lastFailureAt, to time the failures of one deploy. */
  resetWindow(): void;
  stop(): Promise<LoadCounters>;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function startLoad(options: LoadOptions): Load {
  const counters: LoadCounters = { requests: 0, failures: 0, versions: new Map(), kinds: new Map(), firstFailureAt: null, lastFailureAt: null };
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  let running = true;
  const fail = (kind: string) => {
    const now = performance.now();
    counters.failures += 1;
    counters.firstFailureAt ??= now;
    counters.lastFailureAt = now;
    counters.kinds.set(kind, (counters.kinds.get(kind) ?? 0) + 1);
  };
  const once = () =>
    new Promise<void>((resolve) => {
      const headers = options.host ? { host: options.host } : undefined;
      const call = request({ host: LOOPBACK, port: options.port, path: "/", headers, agent }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("error", () => {});
        response.on("end", () => {
          counters.requests += 1;
          if (response.statusCode === 200) {
            const key = body.trim();
            counters.versions.set(key, (counters.versions.get(key) ?? 0) + 1);
          } else {
            fail(`${response.statusCode}${describeBody(body)}`);
          }
          resolve();
        });
      });
      call.setTimeout(REQUEST_TIMEOUT_MS, () => call.destroy(new Error("timeout")));
      call.on("error", (error: NodeJS.ErrnoException) => {
        counters.requests += 1;
        fail(error.code ?? error.message);
        resolve();
      });
      call.end();
    });
  const clients = Array.from({ length: options.clients }, async () => {
    while (running && performance.now() < options.deadline) {
      const before = counters.failures;
      await once();
      // After a refused connection, don't spin: a real client would retry, not hammer.
      if (counters.failures !== before) await sleep(5);
    }
  });
  const snapshot = (): LoadCounters => ({ ...counters, versions: new Map(counters.versions), kinds: new Map(counters.kinds) });
  return {
    counters,
    snapshot,
    resetWindow: () => {
      counters.firstFailureAt = null;
      counters.lastFailureAt = null;
    },
    stop: async () => {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return snapshot();
    },
  };
}

/** A short name for an error page: its <title>, or its first line. */
function describeBody(body: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
  const text = (title ?? body.trim().split("\n")[0] ?? "").replace(/^\d{3}\s*(\|\s*)?/, "").slice(0, 60);
  return text ? ` ${text}` : "";
}

/** One GET / on a fresh connection; the body, or null on any error or non-200. Never rejects. */
export function fetchVersion(port: number, host: string | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    const call = request({ host: LOOPBACK, port, path: "/", headers: host ? { host } : undefined, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("error", () => resolve(null));
      response.on("end", () => resolve(response.statusCode === 200 ? body.trim() : null));
    });
    call.setTimeout(2_000, () => call.destroy(new Error("timeout")));
    call.on("error", () => resolve(null));
    call.end();
  });
}
