import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import type { Readable } from "node:stream";

// Ports for a test daemon's proxy listeners come from below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range, 32768–60999 by default), so no replica, client socket or port-0
// listener — of this suite or of another copy running at once — is handed one of them between the
// check here and the proxy's bind.
const LISTENER_PORTS = { first: 20_000, count: 12_000 };
const handedOut = new Set<number>();

/** Free loopback ports, outside the ephemeral range, each handed out once per test process. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = LISTENER_PORTS.first + Math.floor(Math.random() * LISTENER_PORTS.count);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
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
