import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { encode, type Reply, type Request } from "../daemon/protocol.js";
import { isRecord } from "../util/is-record.js";
import type { ListenerSettings, ProxyTable } from "./types.js";

// The proxy process's control socket speaks the daemon's protocol (src/daemon/protocol.ts):
// one newline-delimited JSON request per connection, then one reply.

export interface ProxyPaths {
  /** 0600 unix socket the proxy process listens on. */
  socket: string;
  /** Who the running proxy is (ProxyRecord), written atomically once it serves. */
  record: string;
  /** The proxy process's stdout and stderr. */
  log: string;
}

export function proxyPaths(home: string): ProxyPaths {
  return { socket: join(home, "proxy.sock"), record: join(home, "proxy.json"), log: join(home, "proxy.log") };
}

export type ProxyRequest =
  | { op: "status" }
  /** Replies `{ version }` once every worker routes by this table. */
  | { op: "table"; table: ProxyTable }
  /** Replies once no worker uses these "host:port" targets, each having closed what remained after `timeoutMs`. */
  | { op: "drain"; targets: string[]; timeoutMs: number }
  /** Replies with the table the workers route by now. */
  | { op: "current-table" }
  /** Replies at once; the workers then finish their requests and the process exits. */
  | { op: "stop" };

export interface ProxyRecord {
  pid: number;
  /** /proc start time of `pid`, so a recycled pid is never taken for the proxy. */
  startTime: number | null;
  settings: ListenerSettings;
}

export interface ProxyWorkerStatus {
  pid: number;
  /** The table version this worker routes by, -1 before its first table. */
  version: number;
}

export interface ProxyStatus extends ProxyRecord {
  /** The latest table version; every worker listed has applied it once `table` replied. */
  version: number;
  workers: ProxyWorkerStatus[];
}

export class ProxyUnreachableError extends Error {
  override name = "ProxyUnreachableError";
}

/** One request to the proxy process; rejects with ProxyUnreachableError when no proxy answers. */
export function callProxy<T>(home: string, request: ProxyRequest, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPaths(home).socket);
    let buffer = "";
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      action();
    };
    const timer = setTimeout(
      () => settle(() => reject(new ProxyUnreachableError(`the proxy did not answer \`${request.op}\` within ${timeoutMs / 1000} s`))),
      timeoutMs,
    );
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(encode(request as Request)));
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      const reply = JSON.parse(buffer.slice(0, newline)) as Reply;
      if (reply.type === "result") settle(() => resolve(reply.result as T));
      else if (reply.type === "error") settle(() => reject(new Error(`the proxy refused \`${request.op}\`: ${reply.error.message}`)));
    });
    socket.once("error", (error) => settle(() => reject(new ProxyUnreachableError(`no proxy answers on ${proxyPaths(home).socket}: ${error.message}`))));
    socket.once("close", () => settle(() => reject(new ProxyUnreachableError(`the proxy closed the connection during \`${request.op}\``))));
  });
}

/** The record the running (or last) proxy wrote, or null when there is none or it is unreadable. */
export function readProxyRecord(home: string): ProxyRecord | null {
  try {
    const record: unknown = JSON.parse(readFileSync(proxyPaths(home).record, "utf8"));
    if (!isRecord(record) || typeof record.pid !== "number" || !isRecord(record.settings)) return null;
    return record as unknown as ProxyRecord;
  } catch {
    return null;
  }
}
