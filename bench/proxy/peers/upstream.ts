// The upstream the three proxies forward to. berth runs it as its stack's only service on a fixed
// port (a proxy can only route to replicas berth supervises); nginx and Caddy forward to that port.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { UpstreamKind } from "../options.js";

/** What both upstreams answer to every request. */
export const UPSTREAM_BODY = Buffer.from("hello from the bench upstream\n");

export interface UpstreamSpec {
  kind: UpstreamKind;
  port: number;
  description: string;
  /** The service's `command:` in berth.yml (run with sh -c; `exec` so the replica pid is the server's). */
  shellCommand: string;
  body: Buffer;
}

/**
 * `nginx`: nginx with one worker answering `return 200` — the cheapest upstream there is, so on a
 * 2-core machine the proxies, not the upstream, use up the CPU. `node`: one node:http process
 * (bench/proxy/upstream.mjs), closer to a real Node app but about twice the CPU per request.
 */
export function prepareUpstream(kind: UpstreamKind, directory: string, port: number, context: { root: string; node: string }): UpstreamSpec {
  if (kind === "node") {
    const script = join(context.root, "bench", "proxy", "upstream.mjs");
    return {
      kind,
      port,
      description: `node:http, 1 process (bench/proxy/upstream.mjs), ${UPSTREAM_BODY.length}-byte body`,
      shellCommand: `exec ${shellQuote(context.node)} ${shellQuote(script)}`,
      body: UPSTREAM_BODY,
    };
  }
  const prefix = join(directory, "upstream");
  mkdirSync(join(prefix, "temp"), { recursive: true });
  const config = join(prefix, "nginx.conf");
  writeFileSync(config, upstreamNginxConfig(prefix, port));
  return {
    kind,
    port,
    description: `nginx \`return 200\`, 1 worker process, ${UPSTREAM_BODY.length}-byte body`,
    shellCommand: `exec nginx -e ${shellQuote(join(prefix, "error.log"))} -c ${shellQuote(config)} -p ${shellQuote(prefix + "/")}`,
    body: UPSTREAM_BODY,
  };
}

function upstreamNginxConfig(prefix: string, port: number): string {
  const body = UPSTREAM_BODY.toString("utf8").replace(/\n/g, "\\n");
  return `# The bench upstream: answers every request with a short 200.
${rootUserLine()}worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
${tempPaths(prefix, "  ")}
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    location / {
      default_type "text/plain; charset=utf-8";
      return 200 "${body}";
    }
  }
}
`;
}

/** nginx's temporary directories, inside our prefix (the defaults are under /var/lib/nginx). */
export function tempPaths(prefix: string, indent: string): string {
  return ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${indent}${name}_temp_path ${prefix}/temp/${name};`)
    .join("\n");
}

/** As root, nginx's workers would run as `nobody` and could not read our 0700 temporary directory. */
export function rootUserLine(): string {
  return process.getuid?.() === 0 ? "user root;\n" : "";
}

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
