import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { ALPN_PROTOCOLS, serveHttp2 } from "./http2-listener.js";
import { ProxyRequestHandler } from "./request-handler.js";
import { findSite } from "./router.js";
import type { CertificatePair, ListenerSettings, ProxyTable, SiteEntry } from "./types.js";

export type WorkerMessage =
  | { type: "table"; table: ProxyTable; version: number }
  /** Wait until nothing uses these "host:port" targets any more, or close what does after `timeoutMs`; answer `drained`. */
  | { type: "drain"; id: number; targets: string[]; timeoutMs: number };
/**
 * `want-table` asks the primary for the current table (a message sent before the worker listens for
 * messages would be lost); `applied` confirms a table version is in use, so a deploy stops old
 * replicas only once no worker routes to them.
 */
export type WorkerReport =
  | { type: "want-table" }
  | { type: "listening" }
  | { type: "failed"; message: string }
  | { type: "applied"; version: number }
  | { type: "drained"; id: number };

/** How often node looks for connections past `headersTimeout`: its default (30 s) would let slowloris clients stay 40 s. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * One proxy worker process: HTTP and HTTPS listeners (shared with the other workers) and the request
 * handler. It listens only once it routes by the current table, so a restarted worker never answers
 * 421 for a known host.
 */
export async function runProxyWorker(settings: ListenerSettings, staticCacheDir: string, report: (message: WorkerReport) => void): Promise<void> {
  const handler = new ProxyRequestHandler({ httpsPort: settings.httpsPort, staticCacheDir });
  const contexts = new Map<SiteEntry, SecureContext>();
  let defaultCertificate: CertificatePair | null = null;
  let defaultContext: SecureContext | undefined;
  const contextFor = (servername: string): SecureContext | undefined => {
    const site = findSite(handler.sites, servername);
    if (!site?.certificate) return defaultContext;
    let context = contexts.get(site);
    if (!context) {
      context = createSecureContext(secureContextOptions(site.certificate));
      contexts.set(site, context);
    }
    return context;
  };
  // Clients that send no server name never reach the SNI callback: they get the server's own context.
  let https: ReturnType<typeof createHttpsServer> | undefined;
  const useDefaultCertificate = (certificate: CertificatePair | null) => {
    if (certificate?.certPem === defaultCertificate?.certPem && certificate?.keyPem === defaultCertificate?.keyPem) return;
    defaultCertificate = certificate;
    defaultContext = certificate ? createSecureContext(secureContextOptions(certificate)) : undefined;
    if (certificate) https?.setSecureContext(secureContextOptions(certificate));
  };

  process.once("SIGTERM", () => void handler.close().finally(() => process.exit(0)));
  const firstTable = new Promise<void>((resolve) => {
    process.on("message", (message: WorkerMessage) => {
      if (message.type === "drain") {
        void handler.drain(message.targets, message.timeoutMs).then(() => report({ type: "drained", id: message.id }));
        return;
      }
      if (message.type !== "table") return;
      contexts.clear();
      handler.update(message.table);
      useDefaultCertificate(message.table.defaultCertificate ?? null);
      report({ type: "applied", version: message.version });
      resolve();
    });
  });
  report({ type: "want-table" });
  await firstTable;

  const serverOptions = {
    maxHeaderSize: settings.maxHeaderBytes,
    headersTimeout: settings.headersTimeoutMs,
    keepAliveTimeout: settings.idleTimeoutMs,
    requestTimeout: 0,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
  const http = createHttpServer(serverOptions, (request, response) => handler.handleRequest("http", request, response));
  http.on("upgrade", (request, socket, head) => handler.handleUpgrade("http", request, socket, head));
  https = createHttpsServer(
    {
      ...serverOptions,
      ...(defaultCertificate ? secureContextOptions(defaultCertificate) : {}),
      minVersion: "TLSv1.2",
      ALPNProtocols: ALPN_PROTOCOLS,
      SNICallback: (servername, callback) => callback(null, contextFor(servername)),
    },
    (request, response) => handler.handleRequest("https", request, response),
  );
  https.on("upgrade", (request, socket, head) => handler.handleUpgrade("https", request, socket, head));
  serveHttp2(https, { maxHeaderBytes: settings.maxHeaderBytes, idleTimeoutMs: settings.idleTimeoutMs }, (request, response) => handler.handleRequest("https", request, response));
  for (const server of [http, https] as Server[]) server.on("clientError", answerClientError);

  await listen(http, settings.httpPort, settings.address);
  await listen(https, settings.httpsPort, settings.address);
}

function secureContextOptions(certificate: CertificatePair) {
  return { cert: certificate.certPem, key: certificate.keyPem, minVersion: "TLSv1.2" as const };
}

/** Malformed requests, oversized headers (431) and clients too slow to send headers (408, slowloris) get a short answer, then the connection closes. */
function answerClientError(error: NodeJS.ErrnoException, socket: import("node:stream").Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function listen(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
