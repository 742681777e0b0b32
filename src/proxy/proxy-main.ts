import { mkdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { listenControlSocket } from "../daemon/control-socket.js";
import type { Request } from "../daemon/protocol.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { Logger } from "../util/logger.js";
import { readProcessStat } from "../supervisor/procfs.js";
import { proxyPaths, readProxyRecord, type ProxyRecord, type ProxyStatus } from "./proxy-control.js";
import { ProxySupervisor } from "./proxy-supervisor.js";
import type { ListenerSettings, ProxyTable } from "./types.js";

/** How often the proxy checks that its control socket is still its own. */
const SOCKET_CHECK_INTERVAL_MS = 2_000;

/**
 * The proxy process, detached from the daemon so it keeps serving (with its last table) while the
 * daemon is down or restarting: the cluster primary of the workers, controlled over
 * $BERTH_HOME/proxy.sock. Resolves once it serves; the process exits after `stop` or SIGTERM.
 */
export async function runProxyMain(home: string, settings: ListenerSettings, logger: Logger): Promise<void> {
  const paths = proxyPaths(home);
  const staticCache = join(home, "cache", "static");
  mkdirSync(staticCache, { recursive: true, mode: 0o700 });
  const supervisor = new ProxySupervisor(settings, staticCache, logger);
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop();
    throw error;
  }

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("proxy stopping", { reason });
    clearInterval(socketCheck);
    server.close();
    if (socketInode() === ownInode) unlinkSync(paths.socket);
    if (readProxyRecord(home)?.pid === process.pid) unlinkSync(paths.record);
    await supervisor.stop();
    logger.info("proxy stopped");
    process.exit(0);
  };

  const server = await listenControlSocket(paths.socket, async (request: Request) => {
    switch (request.op) {
      case "status":
        return { ...record, version: supervisor.tableVersion, workers: supervisor.workerStatus() } satisfies ProxyStatus;
      case "table":
        return { version: await supervisor.update(request.table as ProxyTable) };
      case "drain":
        await supervisor.drain(request.targets as string[], request.timeoutMs as number);
        return { drained: true };
      case "current-table":
        return supervisor.currentTable;
      case "stop":
        setImmediate(() => void stop("stop requested"));
        return { stopping: true };
      default:
        throw new Error(`unknown proxy request \`${request.op}\``);
    }
  });
  const ownInode = socketInode();
  const record: ProxyRecord = { pid: process.pid, startTime: readProcessStat(process.pid)?.startTicks ?? null, settings };
  writeFileAtomic(paths.record, JSON.stringify(record, null, 2) + "\n");

  // Without its socket no daemon can reach or stop this proxy (BERTH_HOME deleted, or another proxy
  // took the path): it stops rather than hold the ports, unreachable, forever.
  const socketCheck = setInterval(() => {
    if (socketInode() !== ownInode) void stop("control socket removed or replaced");
  }, SOCKET_CHECK_INTERVAL_MS);
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Detached from any terminal, a hangup is never meant for the proxy.
  process.on("SIGHUP", () => {});
  logger.info("proxy serving", { pid: process.pid, socket: paths.socket });

  function socketInode(): number | null {
    try {
      return statSync(paths.socket).ino;
    } catch {
      return null;
    }
  }
}
