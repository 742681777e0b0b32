import type { Server } from "node:http";
import type { SiteEntry } from "./types.js";

/** One port of one stack's own (`proxy.listen`: plain HTTP, `proxy.listen_tls`: HTTPS). */
export interface StackListener {
  stack: string;
  port: number;
  tls: boolean;
}

function listenerKey(listener: StackListener): string {
  return `${listener.stack}:${listener.port}:${listener.tls ? "tls" : "plain"}`;
}

/**
 * The ports stacks listen on besides the shared ones, opened and closed as tables come: each
 * serves only its stack (another stack's host there gets 421). A port that cannot be opened is
 * reported and tried again with the next table.
 */
export class StackListeners {
  private readonly servers = new Map<string, Server>();

  constructor(
    private readonly address: string,
    private readonly create: (listener: StackListener) => Server,
    private readonly reportFailure: (listener: StackListener, error: Error) => void,
    /** Called for each port kept open across a table (its certificate may have been renewed). */
    private readonly refresh: (listener: StackListener, server: Server) => void = () => undefined,
  ) {}

  async apply(sites: SiteEntry[]): Promise<void> {
    const wanted = new Map<string, StackListener>();
    for (const site of sites) for (const { port, tls } of site.listen ?? []) wanted.set(listenerKey({ stack: site.stack, port, tls }), { stack: site.stack, port, tls });
    for (const [key, server] of this.servers) {
      const kept = wanted.get(key);
      if (kept) {
        this.refresh(kept, server);
        continue;
      }
      this.servers.delete(key);
      closeServer(server);
    }
    await Promise.all(
      [...wanted].filter(([key]) => !this.servers.has(key)).map(async ([key, listener]) => {
        const server = this.create(listener);
        try {
          await listen(server, listener.port, this.address);
          this.servers.set(key, server);
        } catch (error) {
          this.reportFailure(listener, error as Error);
        }
      }),
    );
  }

  /** A stopping worker stops accepting on them; its exit then ends their connections, as on the shared listeners. */
  closeAll(): void {
    for (const server of this.servers.values()) server.close();
    this.servers.clear();
  }
}

/** Stops accepting at once; idle keep-alive connections go now, busy ones after their response. */
function closeServer(server: Server): void {
  server.close();
  server.closeIdleConnections();
}

export function listen(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
