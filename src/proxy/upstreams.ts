import type { Socket } from "node:net";
import { Pool } from "undici";
import type { UpstreamPools, UpstreamTarget } from "./types.js";

/**
 * How long an idle keep-alive connection to a replica is kept (an app's `Keep-Alive: timeout=N`
 * shortens it). Below gunicorn's default keepalive (2 s), so the app is rarely the one to close
 * a connection the proxy is about to reuse.
 */
const IDLE_CONNECTION_MS = 1_500;

/** The client side of a held request: an HTTP response or a websocket's socket. */
export interface ClientConnection {
  readonly destroyed: boolean;
  once(event: "close", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
}

/** WebSocket close frame, server to client, code 1001 "going away" (RFC 6455 §5.5.1, §7.4.1). */
const GOING_AWAY_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

/** A websocket tunnelled to a replica: the client's socket, and how to stop relaying the replica's frames to it. */
export interface WebsocketTunnel {
  client: Socket;
  /** Stops the replica → client relay at a frame boundary, so a close frame can follow. */
  stopRelaying: () => Promise<void>;
}

/** How long a client gets to read the close frame and close its side before its connection is cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Tells a websocket client the server is going away, then closes the connection: the tunnel to
 * the replica is destroyed with it (upstream "close" → client, see websocket.ts), so the app sees
 * its connection end without a close frame.
 */
async function closeWebsocketGoingAway({ client, stopRelaying }: WebsocketTunnel): Promise<void> {
  if (client.destroyed) return;
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  const cut = setTimeout(() => client.destroy(), CLOSE_GRACE_MS);
  cut.unref();
  // A replica stalled in the middle of a frame gets no say: past the grace period the connection is cut.
  const boundary = await Promise.race([stopRelaying().then(() => true), closed.then(() => false)]);
  if (boundary && client.writable) client.end(GOING_AWAY_FRAME);
  await closed;
  clearTimeout(cut);
}

const targetKeys = new WeakMap<UpstreamTarget, string>();

/** "host:port", made once per target of a table (a string built per request showed in profiles). */
function targetKey(target: UpstreamTarget): string {
  let key = targetKeys.get(target);
  if (key === undefined) {
    key = `${target.host}:${target.port}`;
    targetKeys.set(target, key);
  }
  return key;
}

/**
 * The live upstream sets. A switch replaces a pool's targets in one assignment, so every request
 * after it sees only the new set; requests and websockets already on a removed target keep going
 * until the drain timeout, then their connections are closed.
 */
export class Upstreams {
  private pools: UpstreamPools = {};
  private readonly cursors = new Map<string, number>();
  /** A keep-alive connection pool per replica ("host:port"). */
  private readonly connections = new Map<string, Pool>();
  private readonly websockets = new Map<string, Set<WebsocketTunnel>>();
  private readonly draining = new Map<string, NodeJS.Timeout>();
  /** Requests sent to each target and not finished yet. */
  private readonly inFlight = new Map<string, number>();
  /** Checks run whenever a request or websocket on some target ends (drainTargets waits on them). */
  private idleWatchers = new Set<() => void>();
  /** Requests held until their pool has a target again (waitForTargets). */
  private readonly targetWaiters = new Map<string, Set<(found: boolean) => void>>();

  /** Installs new pools; targets no longer in any pool are drained for `drainTimeoutMs`. */
  switchTo(pools: UpstreamPools, drainTimeoutMs: number): void {
    const live = new Set(Object.values(pools).flat().map(targetKey));
    this.pools = pools;
    for (const [pool, waiters] of this.targetWaiters) {
      if ((pools[pool]?.length ?? 0) === 0) continue;
      this.targetWaiters.delete(pool);
      for (const wake of waiters) wake(true);
    }
    for (const key of live) {
      const timer = this.draining.get(key);
      if (timer) clearTimeout(timer);
      this.draining.delete(key);
    }
    const retired = [...new Set([...this.connections.keys(), ...this.websockets.keys()])].filter((key) => !live.has(key) && !this.draining.has(key));
    for (const key of retired) {
      const timer = setTimeout(() => this.closeTarget(key), drainTimeoutMs);
      timer.unref();
      this.draining.set(key, timer);
    }
  }

  /** Round robin over the pool's targets, skipping those in `exclude` (already failed for this request). */
  pick(pool: string, exclude?: ReadonlySet<string>): UpstreamTarget | undefined {
    const targets = this.pools[pool];
    if (!targets || targets.length === 0) return undefined;
    const start = this.cursors.get(pool) ?? 0;
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(start + offset) % targets.length]!;
      if (exclude?.has(targetKey(target))) continue;
      this.cursors.set(pool, (start + offset + 1) % targets.length);
      return target;
    }
    return undefined;
  }

  /** The replica's connection pool: undici's, which cost about a quarter less proxy CPU per request than node:http's Agent and ClientRequest (bench/proxy). */
  connectionsTo(target: UpstreamTarget): Pool {
    const key = targetKey(target);
    let pool = this.connections.get(key);
    if (!pool) {
      const origin = `http://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
      // No pipelining (a slow answer must not hold up the next request); as many connections as requests in flight.
      pool = new Pool(origin, { connections: null, pipelining: 1, keepAliveTimeout: IDLE_CONNECTION_MS, keepAliveTimeoutThreshold: 500 });
      this.connections.set(key, pool);
    }
    return pool;
  }

  /**
   * Waits until a new table gives `pool` at least one target ("found"), until `deadline`
   * (performance.now() milliseconds, "timeout"), or until the client's connection closes ("gone"):
   * how requests and websocket handshakes are held while a service has no ready replica.
   */
  waitForTargets(pool: string, deadline: number, connection: ClientConnection): Promise<"found" | "timeout" | "gone"> {
    const delay = deadline - performance.now();
    if (connection.destroyed) return Promise.resolve("gone");
    if (delay <= 0) return Promise.resolve("timeout");
    return new Promise((resolve) => {
      let waiters = this.targetWaiters.get(pool);
      if (!waiters) {
        waiters = new Set();
        this.targetWaiters.set(pool, waiters);
      }
      const wake = (found: boolean) => {
        clearTimeout(timer);
        connection.off("close", onClose);
        waiters.delete(wake);
        if (waiters.size === 0 && this.targetWaiters.get(pool) === waiters) this.targetWaiters.delete(pool);
        resolve(connection.destroyed ? "gone" : found ? "found" : "timeout");
      };
      const onClose = () => wake(false);
      const timer = setTimeout(() => wake(false), delay);
      connection.once("close", onClose);
      waiters.add(wake);
    });
  }

  /** Counts a request sent to `target` until the returned function is called (once) when it ends. */
  trackRequest(target: UpstreamTarget): () => void {
    const key = targetKey(target);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
      this.notifyIdleWatchers();
    };
  }

  /**
   * Resolves once no request or websocket uses any of `keys` ("host:port" of replicas the table no
   * longer lists), or after `timeoutMs`: then their websockets get a 1001 close frame and their
   * connections are closed, and it resolves once those are gone (at most CLOSE_GRACE_MS later).
   */
  drainTargets(keys: string[], timeoutMs: number): Promise<void> {
    const busy = () => keys.some((key) => (this.inFlight.get(key) ?? 0) > 0 || (this.websockets.get(key)?.size ?? 0) > 0);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.idleWatchers.delete(check);
        resolve();
      };
      const check = () => {
        if (!busy()) finish();
      };
      const timer = setTimeout(() => {
        this.idleWatchers.delete(check);
        const closing = keys.flatMap((key) => this.closeTarget(key));
        void Promise.all(closing).then(() => resolve());
      }, timeoutMs);
      this.idleWatchers.add(check);
      check();
    });
  }

  /** Remembers a client websocket proxied to `target`, so draining can close it politely. */
  trackWebsocket(target: UpstreamTarget, tunnel: WebsocketTunnel): void {
    const key = targetKey(target);
    let tunnels = this.websockets.get(key);
    if (!tunnels) {
      tunnels = new Set();
      this.websockets.set(key, tunnels);
    }
    tunnels.add(tunnel);
    tunnel.client.once("close", () => {
      tunnels.delete(tunnel);
      this.notifyIdleWatchers();
    });
  }

  private notifyIdleWatchers(): void {
    if (this.idleWatchers.size === 0) return;
    for (const check of [...this.idleWatchers]) check();
  }

  /** Ends what still uses a retired target; resolves as each websocket is closed. */
  private closeTarget(key: string): Promise<void>[] {
    const timer = this.draining.get(key);
    if (timer) clearTimeout(timer);
    this.draining.delete(key);
    // In-flight requests on it fail (502, or a cut response); ones not yet written go to another replica.
    void this.connections.get(key)?.destroy().catch(() => undefined);
    this.connections.delete(key);
    const closed = [...(this.websockets.get(key) ?? [])].map((tunnel) => closeWebsocketGoingAway(tunnel));
    this.websockets.delete(key);
    return closed;
  }
}

export { targetKey };
