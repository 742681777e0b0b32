import { spawn } from "node:child_process";
import { request } from "node:http";
import { connect } from "node:net";
import type { HealthCheck } from "../config/types.js";

export interface ProbeTarget {
  /** Loopback port of the replica; null when it has none. */
  port: number | null;
  cwd: string;
  env: Record<string, string>;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

const PROBE_HOST = "127.0.0.1";
const MAX_COMMAND_OUTPUT = 2048;

export function runProbe(check: HealthCheck, target: ProbeTarget): Promise<ProbeResult> {
  switch (check.kind) {
    case "http":
      return probeHttp(check.path, check.status, check.host ?? "localhost", target.port, check.probe.timeoutMs, check.forwardedProto);
    case "tcp":
      return probeTcp(target.port, check.probe.timeoutMs);
    case "command":
      return probeCommand(check.command, target, check.probe.timeoutMs);
  }
}

export function probeHttp(
  path: string,
  expectedStatus: number,
  hostHeader: string,
  port: number | null,
  timeoutMs: number,
  forwardedProto?: "https",
): Promise<ProbeResult> {
  if (port === null) return Promise.resolve({ ok: false, detail: "the service has no port to probe" });
  return new Promise((resolve) => {
    // The Host header matters: Django answers 400 to hosts outside ALLOWED_HOSTS.
    const req = request(
      {
        host: PROBE_HOST,
        port,
        path,
        method: "GET",
        headers: { host: hostHeader, "user-agent": "berth-health", ...(forwardedProto ? { "x-forwarded-proto": forwardedProto } : {}) },
        agent: false,
      },
      (res) => {
        res.resume();
        const ok = res.statusCode === expectedStatus;
        resolve({ ok, detail: `GET ${path} answered ${res.statusCode}${ok ? "" : `, expected ${expectedStatus}`}` });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ ok: false, detail: `GET ${path} failed: ${error.message}` }));
    req.end();
  });
}

export function probeTcp(port: number | null, timeoutMs: number): Promise<ProbeResult> {
  if (port === null) return Promise.resolve({ ok: false, detail: "the service has no port to probe" });
  return new Promise((resolve) => {
    const socket = connect({ host: PROBE_HOST, port });
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, detail: `port ${port}: no connection within ${timeoutMs} ms` }));
    socket.once("connect", () => finish({ ok: true, detail: `port ${port} accepts connections` }));
    socket.once("error", (error) => finish({ ok: false, detail: `port ${port}: ${error.message}` }));
  });
}

export function probeCommand(command: string, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const env = target.port === null ? target.env : { ...target.env, PORT: String(target.port) };
    const child = spawn("/bin/sh", ["-c", command], { cwd: target.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < MAX_COMMAND_OUTPUT) output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: `could not run the check: ${error.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const tail = output.trim().split("\n").slice(-3).join(" | ");
      if (signal) resolve({ ok: false, detail: `check timed out after ${timeoutMs} ms` });
      else resolve({ ok: code === 0, detail: `exit ${code}${tail ? `: ${tail}` : ""}` });
    });
  });
}
