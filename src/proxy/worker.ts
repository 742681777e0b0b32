import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { ALPN_PROTOCOLS, serveHttp2 } from "./http2-listener.js";
import { ProxyRequestHandler } from "./request-handler.js";
import { findSite } from "./router.js";
import { listen, StackListeners, type StackListener } from "./stack-listeners.js";
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
  | { type: "drained"; id: number }
  /** A stack's own port (`proxy.listen`) could not be opened. */
  | { type: "listen-failed"; stack: string; port: number; message: string };

/** How often node looks for connections past `headersTimeout`: its default (30 s) would let slowloris clients stay 40 s. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * One proxy worker process: HTTP and HTTPS listeners (shared with the other workers), each stack's
 * own ports (`proxy.listen`, `proxy.listen_tls`), and the request handler. It listens only once it
 * routes by the current table, so a restarted worker never answers 421 for a known host.
 */
export async function runProxyWorker(settings: ListenerSettings, staticCacheDir: string, report: (message: WorkerReport) => void): Promise<void> {
  const handler = new ProxyRequestHandler({ httpsPort: settings.httpsPort, staticCacheDir });
  const certificates = new CertificateContexts();
  const shared: { https?: HttpsServer } = {};
  /** The certificate each stack's own TLS port gives clients that send no server name. */
  const ownPortCertificates = new WeakMap<Server | HttpsServer, string>();
  const stackListeners = new StackListeners(
    settings.address,
    (listener) => createListener(listener),
    (listener, error) => report({ type: "listen-failed", stack: listener.stack, port: listener.port, message: error.message }),
    (listener, server) => {
      const certificate = listener.tls ? certificates.certificateOf(handler.sites, listener.stack) : null;
      if (!certificate || ownPortCertificates.get(server) === certificate.certPem) return;
      // A renewed (or reissued, for new hosts) certificate: SNI clients get it from the callback, these from here.
      ownPortCertificates.set(server, certificate.certPem);
      (server as HttpsServer).setSecureContext(secureContextOptions(certificate));
    },
  );

  const serverOptions = {
    maxHeaderSize: settings.maxHeaderBytes,
    headersTimeout: settings.headersTimeoutMs,
    keepAliveTimeout: settings.idleTimeoutMs,
    requestTimeout: 0,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
  /** A listener for every stack (`owner` undefined), or for one stack's own port. */
  const createHttp = (owner?: string): Server => {
    const server = createHttpServer(serverOptions, (request, response) => handler.handleRequest("http", request, response, owner));
    server.on("upgrade", (request, socket, head) => handler.handleUpgrade("http", request, socket, head, owner));
    server.on("clientError", answerClientError);
    return server;
  };
  const createHttps = (owner?: string): HttpsServer => {
    const fallback = owner === undefined ? certificates.defaultCertificate : certificates.certificateOf(handler.sites, owner);
    const server = createHttpsServer(
      {
        ...serverOptions,
        ...(fallback ? secureContextOptions(fallback) : {}),
        minVersion: "TLSv1.2",
        ALPNProtocols: ALPN_PROTOCOLS,
        SNICallback: (servername, callback) => callback(null, owner === undefined ? certificates.contextFor(handler.sites, servername) : certificates.ownContext(handler.sites, owner)),
      },
      (request, response) => handler.handleRequest("https", request, response, owner),
    );
    server.on("upgrade", (request, socket, head) => handler.handleUpgrade("https", request, socket, head, owner));
    server.on("clientError", answerClientError);
    serveHttp2(server, { maxHeaderBytes: settings.maxHeaderBytes, idleTimeoutMs: settings.idleTimeoutMs }, (request, response) =>
      handler.handleRequest("https", request, response, owner),
    );
    if (owner !== undefined && fallback) ownPortCertificates.set(server, fallback.certPem);
    return server;
  };
  const createListener = (listener: StackListener): Server => (listener.tls ? createHttps(listener.stack) : createHttp(listener.stack));

  const applyTable = async (table: ProxyTable) => {
    handler.update(table);
    certificates.update(table, shared.https);
    await stackListeners.apply(table.sites);
  };

  process.once("SIGTERM", () => {
    stackListeners.closeAll();
    void handler.close().finally(() => process.exit(0));
  });
  // Tables are applied one after the other: opening a stack's port must not race the next table.
  let applying = Promise.resolve();
  const firstTable = new Promise<void>((resolve) => {
    process.on("message", (message: WorkerMessage) => {
      if (message.type === "drain") {
        void handler.drain(message.targets, message.timeoutMs).then(() => report({ type: "drained", id: message.id }));
        return;
      }
      if (message.type !== "table") return;
      applying = applying.then(async () => {
        await applyTable(message.table);
        report({ type: "applied", version: message.version });
        resolve();
      });
    });
  });
  report({ type: "want-table" });
  await firstTable;

  const http = createHttp();
  shared.https = createHttps();
  await listen(http, settings.httpPort, settings.address);
  await listen(shared.https, settings.httpsPort, settings.address);
}

/**
 * Each site's TLS context, built once per table. Clients that name no host, or a host no site
 * lists, never match a site: they get the default certificate (the server's own context, since a
 * client without SNI never reaches the SNI callback).
 */
class CertificateContexts {
  private readonly contexts = new Map<SiteEntry, SecureContext>();
  defaultCertificate: CertificatePair | null = null;
  private defaultContext: SecureContext | undefined;

  update(table: ProxyTable, sharedHttps: HttpsServer | undefined): void {
    this.contexts.clear();
    const certificate = table.defaultCertificate ?? null;
    if (certificate?.certPem === this.defaultCertificate?.certPem && certificate?.keyPem === this.defaultCertificate?.keyPem) return;
    this.defaultCertificate = certificate;
    this.defaultContext = certificate ? createSecureContext(secureContextOptions(certificate)) : undefined;
    if (certificate) sharedHttps?.setSecureContext(secureContextOptions(certificate));
  }

  contextFor(sites: SiteEntry[], servername: string): SecureContext | undefined {
    const site = findSite(sites, servername);
    return site?.certificate ? this.siteContext(site, site.certificate) : this.defaultContext;
  }

  /** On a stack's own port there is one certificate, whatever name the client asks for. */
  ownContext(sites: SiteEntry[], stack: string): SecureContext | undefined {
    const site = sites.find((candidate) => candidate.stack === stack);
    return site?.certificate ? this.siteContext(site, site.certificate) : undefined;
  }

  certificateOf(sites: SiteEntry[], stack: string): CertificatePair | null {
    return sites.find((candidate) => candidate.stack === stack)?.certificate ?? null;
  }

  private siteContext(site: SiteEntry, certificate: CertificatePair): SecureContext {
    let context = this.contexts.get(site);
    if (!context) {
      context = createSecureContext(secureContextOptions(certificate));
      this.contexts.set(site, context);
    }
    return context;
  }
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
