import { mkdirSync, readFileSync } from "node:fs";
import { appendLineRotating } from "../logs/appended-log.js";
import { createLogger } from "../util/logger.js";
import { berthHome, homePaths } from "../util/paths.js";
import { listenControlSocket } from "./control-socket.js";
import { createRequestHandler, type ShutdownMode } from "./handlers.js";
import { readHostSettings } from "./host-settings.js";
import { StackManager } from "./stack-manager.js";

const BERTH_VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * Runs the daemon in the foreground. SIGTERM (or `berth daemon stop`) hands over: the apps and the
 * proxy keep serving and the next daemon adopts them; `berth daemon stop --all` stops them too.
 */
export async function runDaemon(home: string = berthHome()): Promise<void> {
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const logger = createLogger((line) => {
    try {
      appendLineRotating(paths.daemonLog, line + "\n");
    } catch {
      // A full disk must not stop the daemon: its log is the first thing to give up.
    }
  }, "info", { component: "daemon" });
  const settings = readHostSettings(home, process.env);
  const manager = new StackManager(home, paths.state, logger, settings);

  let stopping = false;
  const shutdown = async (mode: ShutdownMode) => {
    if (stopping) return;
    stopping = true;
    logger.info("daemon stopping", { mode });
    server.close();
    await manager.shutdown(mode === "stop-apps");
    logger.info("daemon stopped", { mode });
    process.exit(0);
  };
  const server = await listenControlSocket(paths.socket, createRequestHandler(manager, (mode) => void shutdown(mode), BERTH_VERSION));
  process.on("SIGTERM", () => void shutdown("handover"));
  process.on("SIGINT", () => void shutdown("handover"));
  logger.info("daemon listening", { socket: paths.socket, pid: process.pid, settings: settings.source });
  await manager.restore();
  manager.watchDisk();
}
