import { createServer } from "node:net";
import type { PortPolicy } from "../config/types.js";

const LOOPBACK = "127.0.0.1";

/** Asks the kernel for a free loopback port. Ports handed out by this daemon are never reused while held. */
export class PortAllocator {
  private readonly held = new Set<number>();

  async allocate(policy: PortPolicy, replicaIndex: number): Promise<number | null> {
    if (policy.kind === "none") return null;
    if (policy.kind === "fixed") return policy.base + replicaIndex;
    for (;;) {
      const port = await findFreePort();
      if (!this.held.has(port)) {
        this.held.add(port);
        return port;
      }
    }
  }

  /** A port an adopted replica already listens on. */
  hold(port: number | null): number | null {
    if (port !== null) this.held.add(port);
    return port;
  }

  release(port: number | null): void {
    if (port !== null) this.held.delete(port);
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
