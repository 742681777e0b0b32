import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import type { Readable } from "node:stream";

/** Free loopback ports for a test daemon's proxy listeners. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import("node:net").Server>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Environment for a test daemon whose proxy listens on loopback only. */
export function proxyEnv(httpPort: number, httpsPort: number): Record<string, string> {
  return {
    BERTH_PROXY_ADDRESS: "127.0.0.1",
    BERTH_HTTP_PORT: String(httpPort),
    BERTH_HTTPS_PORT: String(httpsPort),
    BERTH_PROXY_WORKERS: "2",
  };
}

export interface ProxyAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface ProxyRequest {
  port: number;
  host: string;
  path: string;
  tls?: { ca: string | Buffer };
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  timeoutMs?: number;
}

/** One request to the proxy on 127.0.0.1, with the Host (and TLS server name) of the site. */
export function proxyRequest(options: ProxyRequest): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    const common = {
      host: "127.0.0.1",
      port: options.port,
      path: options.path,
      method: options.method ?? "GET",
      headers: { host: options.host, ...options.headers },
      agent: false as const,
    };
    const request = options.tls
      ? httpsRequest({ ...common, ca: options.tls.ca, servername: options.host.replace(/:\d+$/, "") })
      : httpRequest(common);
    request.setTimeout(options.timeoutMs ?? 15_000, () => request.destroy(new Error("timeout")));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, text: body.toString("utf8") });
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    const body = options.body;
    if (body === undefined) request.end();
    else if (typeof body === "string" || Buffer.isBuffer(body)) request.end(body);
    else body.pipe(request);
  });
}
