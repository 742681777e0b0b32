import { relative, isAbsolute, posix } from "node:path";
import type { HealthCheck, Service, Stack } from "../config/types.js";
import { detectProject, type ProjectKind } from "../config/detect.js";
import { withExec } from "./shell-exec.js";

// How a berth service's command and health check run inside a container: the app lives in /app,
// listens on $PORT (8000 unless the service fixes its port) and must accept connections from
// other containers, so a loopback bind becomes 0.0.0.0.

export const APP_DIR = "/app";
export const CONTAINER_PORT = 8000;
/** Where the SQLite volume is mounted in the app's containers. */
export const SQLITE_DIR = "/data";

const LOOPBACK_BEFORE_PORT = /\b(?:127\.0\.0\.1|localhost|\[::1\])(?=:(?:\$\{?PORT\}?|\d+)\b)/g;
const LOOPBACK_AFTER_FLAG = /(--bind|--host|--listen|-b|-H)([ =])(?:127\.0\.0\.1|localhost|::1)\b/g;

/** The command with loopback binds opened to the container's network, exec'd when it is one command. */
export function containerCommand(command: string): string {
  return withExec(command.replace(LOOPBACK_BEFORE_PORT, "0.0.0.0").replace(LOOPBACK_AFTER_FLAG, "$1$20.0.0.0"));
}

export function containerPort(service: Service): number | null {
  if (service.port.kind === "none") return null;
  return service.port.kind === "fixed" ? service.port.base : CONTAINER_PORT;
}

/** A host path under the stack's directory, as the image sees it under /app; null outside it. */
export function pathInImage(stack: Stack, hostPath: string): string | null {
  const inside = relative(stack.root, hostPath);
  if (inside.startsWith("..") || isAbsolute(inside)) return null;
  return inside === "" ? APP_DIR : posix.join(APP_DIR, ...inside.split(/[\\/]/));
}

export function projectKind(stack: Stack): ProjectKind {
  try {
    return detectProject(stack.root).kind;
  } catch {
    return "generic";
  }
}

/**
 * A shell command that probes the service from inside its own container, with what the image is
 * sure to have: python3 in a Python image, node in a Node image, curl otherwise.
 */
export function healthProbeCommand(health: HealthCheck, port: number | null, kind: ProjectKind): string {
  if (health.kind === "command") return health.command;
  const seconds = Math.max(1, Math.ceil(health.probe.timeoutMs / 1000));
  if (health.kind === "tcp") {
    if (kind === "node") return `node -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"`;
    return `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), ${seconds})"`;
  }
  const host = health.host ?? "localhost";
  const url = `http://127.0.0.1:${port}${health.path}`;
  const proto = health.forwardedProto;
  if (kind === "node") {
    const headers = `{host:'${host}'${proto ? `,'x-forwarded-proto':'${proto}'` : ""}}`;
    return `node -e "fetch('${url}',{headers:${headers},redirect:'manual'}).then(r=>process.exit(r.status===${health.status}?0:1),()=>process.exit(1))"`;
  }
  if (kind === "django" || kind === "procfile") {
    const headers = `{'Host': '${host}'${proto ? `, 'X-Forwarded-Proto': '${proto}'` : ""}}`;
    return `python3 -c "import http.client as h; c=h.HTTPConnection('127.0.0.1', ${port}, timeout=${seconds}); c.request('GET', '${health.path}', headers=${headers}); exit(0 if c.getresponse().status == ${health.status} else 1)"`;
  }
  return `test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: ${host}'${proto ? ` -H 'X-Forwarded-Proto: ${proto}'` : ""} ${url})" = ${health.status}`;
}
