import { appendFileSync, mkdirSync } from "node:fs";
import { createLogger } from "../util/logger.js";
import { definedEnv } from "../util/process-env.js";
import { berthHome, homePaths } from "../util/paths.js";
import { listenControlSocket } from "./control-socket.js";
import { createRequestHandler } from "./handlers.js";
import { StackManager } from "./stack-manager.js";

/** Runs the daemon in the foreground until SIGTERM/SIGINT or a shutdown request. */
export async function runDaemon(home: string = berthHome()): Promise<void> {
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const logger = createLogger((line) => appendFileSync(paths.daemonLog, line + "\n", { mode: 0o600 }), "info", { component: "daemon" });
  const baseEnv = definedEnv();
  const manager = new StackManager(home, paths.state, logger, baseEnv);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    logger.info("daemon stopping");
    server.close();
    await manager.shutdown();
    logger.info("daemon stopped");
    process.exit(0);
  };
  const server = await listenControlSocket(paths.socket, createRequestHandler(manager, () => void shutdown()));
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  logger.info("daemon listening", { socket: paths.socket, pid: process.pid });
  await manager.restore();
}
