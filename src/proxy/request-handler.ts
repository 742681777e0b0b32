import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { AccessLogs, isoNow } from "./access-log.js";
import { basicAuthChallenge, isAuthorized } from "./basic-auth.js";
import { sendErrorPage, sendMaintenancePage } from "./error-pages.js";
import { forwardRequest } from "./forward.js";
import { upstreamRequestHeaders } from "./headers.js";
import { findHostHeaderProblem } from "./host-header.js";
import { headerObject, upstreamRequestRawHeaders } from "./raw-headers.js";
import { findRedirect } from "./redirects.js";
import { findOwnSite, findSite, hostWithoutPort, matchRoute } from "./router.js";
import { StaticFiles } from "./static-files.js";
import type { ProxyTable, SiteEntry, StaticMount } from "./types.js";
import { Upstreams } from "./upstreams.js";
import { forwardUpgrade } from "./websocket.js";

const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

export interface HandlerSettings {
  httpsPort: number;
  staticCacheDir: string;
}

type Protocol = "http" | "https";

/** Everything one proxy worker does with a request, for the table it was last given. */
export class ProxyRequestHandler {
  private table: ProxyTable = { sites: [], pools: {}, acmeChallenges: {} };
  private readonly upstreams = new Upstreams();
  private readonly staticFiles = new Map<string, StaticFiles>();
  private readonly accessLogs = new AccessLogs();

  constructor(private readonly settings: HandlerSettings) {}

  get sites(): SiteEntry[] {
    return this.table.sites;
  }

  close(): Promise<void> {
    return this.accessLogs.close();
  }

  update(table: ProxyTable): void {
    const drainMs = Math.max(0, ...table.sites.map((site) => site.limits.drainTimeoutMs));
    this.table = table;
    this.upstreams.switchTo(table.pools, drainMs);
  }

  /** See Upstreams.drainTargets. */
  drain(targets: string[], timeoutMs: number): Promise<void> {
    return this.upstreams.drainTargets(targets, timeoutMs);
  }

  /** `owner`: the request came on this stack's own port (`proxy.listen`), where only it is served. */
  handleRequest(protocol: Protocol, request: IncomingMessage, response: ServerResponse, owner?: string): void {
    const startedAt = performance.now();
    const requestId = randomUUID();
    const hostProblem = findHostHeaderProblem(request.rawHeaders);
    if (hostProblem !== null) {
      sendErrorPage(response, 400, requestId, hostProblem);
      return;
    }
    const path = request.url ?? "/";
    const site = this.siteFor(request, owner);
    const finish = (status: number, upstream: string | null, bodyBytes?: number) => {
      if (site) this.logAccess(site, request, requestId, status, upstream, startedAt, bodyBytes ?? declaredLength(response));
    };

    if (protocol === "http" && path.startsWith(ACME_CHALLENGE_PREFIX)) {
      const answer = this.table.acmeChallenges[path.slice(ACME_CHALLENGE_PREFIX.length)];
      if (answer !== undefined) {
        response.writeHead(200, { "content-type": "text/plain" }).end(answer);
        return;
      }
    }
    if (!site) {
      sendErrorPage(response, 421, requestId);
      return;
    }
    if (site.maintenance) {
      sendMaintenancePage(response, requestId);
      finish(503, null);
      return;
    }
    if (site.redirects && site.redirects.length > 0 && this.answerRedirect(site, protocol, request, response, requestId, owner)) {
      finish(response.statusCode, null);
      return;
    }
    if (protocol === "http" && site.redirectHttp && owner === undefined) {
      this.redirectToHttps(request, response, requestId);
      finish(308, null);
      return;
    }
    // After the redirect to HTTPS: a password is never asked for over plain HTTP (unless the site has no TLS).
    if (site.basicAuth && !isAuthorized(site.basicAuth, request.headers.authorization)) {
      response.setHeader("www-authenticate", basicAuthChallenge(site.basicAuth));
      sendErrorPage(response, 401, requestId);
      finish(401, null);
      return;
    }
    const responseHeaders = this.responseHeaders(site, protocol, requestId);
    const match = matchRoute(site, pathOnly(path));
    if (match.kind === "static") {
      for (let index = 0; index < responseHeaders.length; index += 2) response.setHeader(responseHeaders[index]!, responseHeaders[index + 1]!);
      this.serveStatic(match.mount, match.pathBelowPrefix, request, response, requestId).then(
        () => finish(response.statusCode, null),
        () => {
          sendErrorPage(response, 500, requestId);
          finish(500, null);
        },
      );
      return;
    }
    if (match.kind === "none") {
      sendErrorPage(response, 404, requestId);
      finish(404, null);
      return;
    }
    forwardRequest(request, response, {
      upstreams: this.upstreams,
      pool: match.route.pool,
      headers: this.upstreamRawHeaders(site, protocol, request, requestId),
      limits: site.limits,
      requestId,
      responseHeaders,
      onFinish: finish,
    });
  }

  handleUpgrade(protocol: Protocol, request: IncomingMessage, socket: Duplex, head: Buffer, owner?: string): void {
    const requestId = randomUUID();
    const startedAt = performance.now();
    if (findHostHeaderProblem(request.rawHeaders) !== null) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const site = this.siteFor(request, owner);
    if (site && (site.maintenance || (site.basicAuth && !isAuthorized(site.basicAuth, request.headers.authorization)))) {
      socket.end(`HTTP/1.1 ${site.maintenance ? "503 Service Unavailable" : "401 Unauthorized"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const match = site ? matchRoute(site, pathOnly(request.url ?? "/")) : undefined;
    if (!site || match?.kind !== "upstream") {
      socket.end(`HTTP/1.1 ${site ? "404 Not Found" : "421 Misdirected Request"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    forwardUpgrade(request, socket, head, {
      upstreams: this.upstreams,
      pool: match.route.pool,
      headers: this.upstreamHeaders(site, protocol, request, requestId, true),
      upstreamTimeoutMs: site.limits.upstreamTimeoutMs,
      holdMs: site.limits.holdMs ?? 0,
      responseHeaders: headerObject(this.responseHeaders(site, protocol, requestId)),
      onFinish: (status, upstream) => this.logAccess(site, request, requestId, status, upstream, startedAt, 0),
    });
  }

  private siteFor(request: IncomingMessage, owner: string | undefined): SiteEntry | undefined {
    return owner === undefined ? findSite(this.table.sites, request.headers.host) : findOwnSite(this.table.sites, owner, request.headers.host);
  }

  private upstreamRawHeaders(site: SiteEntry, protocol: Protocol, request: IncomingMessage, requestId: string): string[] {
    const clientAddress = request.socket.remoteAddress ?? "unknown";
    const context = { clientAddress, peerTrusted: site.trustedProxies.includes(normalizeAddress(clientAddress)), protocol, host: request.headers.host ?? "", requestId };
    // The proxy's own password is not the app's business (nor its logs').
    return upstreamRequestRawHeaders(request.rawHeaders, context, site.basicAuth !== undefined && site.basicAuth !== null);
  }

  private upstreamHeaders(site: SiteEntry, protocol: Protocol, request: IncomingMessage, requestId: string, upgrade: boolean): OutgoingHttpHeaders {
    const clientAddress = request.socket.remoteAddress ?? "unknown";
    const headers = upstreamRequestHeaders(
      request.headers,
      {
        clientAddress,
        peerTrusted: site.trustedProxies.includes(normalizeAddress(clientAddress)),
        protocol,
        host: request.headers.host ?? "",
        requestId,
      },
      upgrade,
    );
    // The proxy's own password is not the app's business (nor its logs').
    if (site.basicAuth) delete headers.authorization;
    return headers;
  }

  /** The proxy's own headers on every answer of the site, as a raw array with lower-case names. */
  private responseHeaders(site: SiteEntry, protocol: Protocol, requestId: string): string[] {
    if (protocol === "https" && site.hstsMaxAgeSeconds !== null) {
      return ["x-request-id", requestId, "strict-transport-security", `max-age=${site.hstsMaxAgeSeconds}; includeSubDomains`];
    }
    return ["x-request-id", requestId];
  }

  private answerRedirect(site: SiteEntry, protocol: Protocol, request: IncomingMessage, response: ServerResponse, requestId: string, owner: string | undefined): boolean {
    const answer = findRedirect(site.redirects!, {
      protocol,
      host: request.headers.host ?? "",
      url: request.url ?? "/",
      redirectHttp: site.redirectHttp && owner === undefined,
      httpsPort: this.settings.httpsPort,
    });
    if (!answer) return false;
    response.writeHead(answer.status, { location: answer.location, "content-length": 0, "x-request-id": requestId });
    response.end();
    return true;
  }

  private redirectToHttps(request: IncomingMessage, response: ServerResponse, requestId: string): void {
    const host = hostWithoutPort(request.headers.host ?? "localhost");
    const port = this.settings.httpsPort === 443 ? "" : `:${this.settings.httpsPort}`;
    // 308 keeps the method and body, unlike 301/302 (RFC 9110 §15.4.9).
    response.writeHead(308, { location: `https://${host}${port}${request.url ?? "/"}`, "content-length": 0, "x-request-id": requestId });
    response.end();
  }

  private async serveStatic(mount: StaticMount, pathBelowPrefix: string, request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    let files = this.staticFiles.get(mount.directory);
    if (!files) {
      files = new StaticFiles(mount, { cacheDir: this.settings.staticCacheDir });
      this.staticFiles.set(mount.directory, files);
    }
    const served = await files.serve(request, response, pathBelowPrefix);
    if (!served) sendErrorPage(response, 404, requestId);
  }

  private logAccess(
    site: SiteEntry,
    request: IncomingMessage,
    requestId: string,
    status: number,
    upstream: string | null,
    startedAt: number,
    bodyBytes: number,
  ): void {
    this.accessLogs.write(site.accessLogPath, {
      time: isoNow(),
      requestId,
      client: request.socket.remoteAddress ?? "",
      method: request.method ?? "",
      host: request.headers.host ?? "",
      path: request.url ?? "",
      status,
      bytes: bodyBytes,
      durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
      upstream,
      userAgent: request.headers["user-agent"] ?? null,
    }, site.accessLogPolicy);
  }
}

/** What the proxy's own answers (pages, redirects, static files) declare as their body's length. */
function declaredLength(response: ServerResponse): number {
  return Number(response.getHeader("content-length") ?? 0);
}

function pathOnly(url: string): string {
  const query = url.indexOf("?");
  return query >= 0 ? url.slice(0, query) : url;
}

function normalizeAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
