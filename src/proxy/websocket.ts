import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { targetKey, type Upstreams } from "./upstreams.js";

export interface ForwardUpgrade {
  upstreams: Upstreams;
  pool: string;
  headers: OutgoingHttpHeaders;
  onFinish: (status: number, upstream: string | null) => void;
}

/**
 * Upgrades (WebSocket, RFC 6455) are tunnelled: the handshake is replayed to a replica, then bytes
 * flow both ways untouched until either side closes. The upstream's 101 (or refusal) reaches the
 * client as the replica wrote it.
 */
export function forwardUpgrade(request: IncomingMessage, client: Duplex, head: Buffer, forward: ForwardUpgrade): void {
  const target = forward.upstreams.pick(forward.pool);
  if (!target) {
    client.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    forward.onFinish(503, null);
    return;
  }
  const upstream = connect({ host: target.host, port: target.port });
  const closeBoth = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.once("connect", () => {
    upstream.setNoDelay(true);
    upstream.write(serializeRequestHead(request, forward.headers));
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    forward.upstreams.trackWebsocket(target, client as Socket);
    forward.onFinish(101, targetKey(target));
  });
  upstream.once("error", () => {
    if (!upstream.readyState || upstream.connecting) {
      client.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      forward.onFinish(502, targetKey(target));
    }
    closeBoth();
  });
  upstream.once("close", () => client.destroy());
  client.once("error", closeBoth);
  client.once("close", () => upstream.destroy());
}

function serializeRequestHead(request: IncomingMessage, headers: OutgoingHttpHeaders): string {
  const lines = [`${request.method} ${request.url} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${String(item).replace(/[\r\n]/g, "")}`);
  }
  return lines.join("\r\n") + "\r\n\r\n";
}
