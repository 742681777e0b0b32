import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { BackingLayout } from "./layout.js";

// Each server gets a loopback port once, kept in the stack's data directory, so DATABASE_URL stays
// the same across down/up, daemon restarts and `berth run`. Ports come from below the kernel's
// ephemeral range, so a replica's `port: auto` (which the kernel picks from that range) never takes
// the port of a database whose stack is down; ports other stacks of this BERTH_HOME hold are skipped.

export type BackingServer = "postgres" | "mariadb" | "redis";

const RANGE_START = 20_000;
const RANGE_END = 30_000;

export function readBackingPorts(layout: BackingLayout): Partial<Record<BackingServer, number>> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(layout.portsFile, "utf8"));
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [BackingServer, number] => Number.isInteger(entry[1])));
  } catch {
    return {};
  }
}

/** The server's persisted port, allocating and recording one the first time. */
export function ensureBackingPort(layout: BackingLayout, server: BackingServer): number {
  const ports = readBackingPorts(layout);
  const existing = ports[server];
  if (existing !== undefined) return existing;
  const taken = new Set([...listeningPorts(), ...portsOfOtherStacks(layout), ...Object.values(ports)]);
  const [low, high] = ephemeralRange();
  const free: number[] = [];
  for (let port = RANGE_START; port < RANGE_END; port += 1) if (!taken.has(port)) free.push(port);
  // A host whose ephemeral range covers ours (some set it to 1024-65535) still gets a port.
  const outsideEphemeral = free.filter((port) => port < low || port > high);
  const candidates = outsideEphemeral.length > 0 ? outsideEphemeral : free;
  // Random rather than the lowest, so stacks of separate BERTH_HOMEs rarely pick the same one.
  const port = candidates[Math.floor(Math.random() * candidates.length)];
  if (port === undefined) {
    throw new UserError(`no free port between ${RANGE_START} and ${RANGE_END} for ${server}`, {
      hint: "other stacks of this BERTH_HOME hold them; `berth down -v` the stacks you no longer need",
    });
  }
  ports[server] = port;
  writeFileAtomic(layout.portsFile, JSON.stringify(ports, null, 2) + "\n", 0o600);
  return port;
}

/** TCP ports something listens on (IPv4 and IPv6), from /proc/net. */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const LISTEN = "0A";
      if (state === LISTEN && local) ports.add(parseInt(local.slice(local.lastIndexOf(":") + 1), 16));
    }
  }
  return ports;
}

function portsOfOtherStacks(layout: BackingLayout): number[] {
  const stacksDir = join(layout.home, "stacks");
  let names: string[] = [];
  try {
    names = readdirSync(stacksDir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const file = join(stacksDir, name, "data", "backing.json");
    if (file === layout.portsFile) return [];
    try {
      return Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, number>).filter(Number.isInteger);
    } catch {
      return [];
    }
  });
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && low > 0) return [low, high];
  } catch {
    // not Linux, or /proc hidden: the default range
  }
  return [32_768, 60_999];
}
