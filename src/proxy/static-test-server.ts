import { createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { StaticFiles } from "./static-files.js";

// Test helper: a real node:http server on loopback that mounts one directory at /static/ the
// way the proxy does, and a client that sends paths byte for byte (no URL normalization).

export const MOUNT_PREFIX = "/static/";

export interface StaticTestServer {
  files: StaticFiles;
  /** Calls to `serve` that have not resolved yet. */
  servesInProgress(): number;
  port: number;
  get(path: string, headers?: OutgoingHttpHeaders, method?: string): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export async function startStaticServer(directory: string, cacheDir: string): Promise<StaticTestServer> {
  const files = new StaticFiles({ prefix: MOUNT_PREFIX, directory }, { cacheDir });
  let inProgress = 0;
  const server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? "/").split("?")[0] ?? "/";
    if (!path.startsWith(MOUNT_PREFIX)) return void outgoing.writeHead(404).end("no mount");
    inProgress += 1;
    files.serve(incoming, outgoing, path.slice(MOUNT_PREFIX.length)).then(
      (served) => {
        inProgress -= 1;
        if (!served) outgoing.writeHead(404).end("not found");
      },
      (error: Error) => {
        inProgress -= 1;
        outgoing.writeHead(500).end(error.message);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    files,
    servesInProgress: () => inProgress,
    port,
    get: (path, headers = {}, method = "GET") => send(port, path, headers, method),
    close: () => closeServer(server),
  };
}

function send(port: number, path: string, headers: OutgoingHttpHeaders, method: string): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }));
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
