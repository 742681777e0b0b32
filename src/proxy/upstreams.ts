import { Agent } from "node:http";
import type { Socket } from "node:net";
import type { UpstreamPools, UpstreamTarget } from "./types.js";

const KEEP_ALIVE_MS = 30_000;

/** WebSocket close frame, server to client, code 1001 "going away" (RFC 6455 §5.5.1, §7.4.1). */
const GOING_AWAY_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

function targetKey(target: UpstreamTarget): string {
  return `${target.host}:${target.port}`;
}

/**
 * The live upstream sets. A switch replaces a pool's targets in one assignment, so every request
 * after it sees only the new set; requests and websockets already on a removed target keep going
 * until the drain timeout, then their connections are closed.
 */
export class Upstreams {
  private pools: UpstreamPools = {};
  private readonly cursors = new Map<string, number>();
  private readonly agents = new Map<string, Agent>();
  private readonly websockets = new Map<string, Set<Socket>>();
  private readonly draining = new Map<string, NodeJS.Timeout>();

  /** Installs new pools; targets no longer in any pool are drained for `drainTimeoutMs`. */
  switchTo(pools: UpstreamPools, drainTimeoutMs: number): void {
    const live = new Set(Object.values(pools).flat().map(targetKey));
    this.pools = pools;
    for (const key of live) {
      const timer = this.draining.get(key);
      if (timer) clearTimeout(timer);
      this.draining.delete(key);
    }
    const retired = [...new Set([...this.agents.keys(), ...this.websockets.keys()])].filter((key) => !live.has(key) && !this.draining.has(key));
    for (const key of retired) {
      const timer = setTimeout(() => this.closeTarget(key), drainTimeoutMs);
      timer.unref();
      this.draining.set(key, timer);
    }
  }

  /** Round robin over the pool's targets, skipping those in `exclude` (already failed for this request). */
  pick(pool: string, exclude: ReadonlySet<string> = new Set()): UpstreamTarget | undefined {
    const targets = this.pools[pool];
    if (!targets || targets.length === 0) return undefined;
    const start = this.cursors.get(pool) ?? 0;
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(start + offset) % targets.length]!;
      if (exclude.has(targetKey(target))) continue;
      this.cursors.set(pool, (start + offset + 1) % targets.length);
      return target;
    }
    return undefined;
  }

  agentFor(target: UpstreamTarget): Agent {
    const key = targetKey(target);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS, maxSockets: Infinity, maxFreeSockets: 256, scheduling: "lifo" });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Remembers a client websocket proxied to `target`, so draining can close it politely. */
  trackWebsocket(target: UpstreamTarget, client: Socket): void {
    const key = targetKey(target);
    let sockets = this.websockets.get(key);
    if (!sockets) {
      sockets = new Set();
      this.websockets.set(key, sockets);
    }
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
  }

  private closeTarget(key: string): void {
    this.draining.delete(key);
    this.agents.get(key)?.destroy();
    this.agents.delete(key);
    for (const client of this.websockets.get(key) ?? []) {
      if (client.writable) client.end(GOING_AWAY_FRAME);
      setTimeout(() => client.destroy(), 1_000).unref();
    }
    this.websockets.delete(key);
  }
}

export { targetKey };
