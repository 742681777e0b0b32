// Entry of the proxy process, spawned detached by the daemon (src/proxy/proxy-process.ts).
import { appendLineRotating } from "../logs/appended-log.js";
import { createLogger } from "../util/logger.js";
import { proxyPaths } from "./proxy-control.js";
import { runProxyMain } from "./proxy-main.js";

const home = process.env.BERTH_HOME;
const settings = process.env.BERTH_PROXY_SETTINGS;
if (!home || !settings) {
  process.stderr.write("berth proxy: BERTH_HOME and BERTH_PROXY_SETTINGS must be set; the proxy is started by the berth daemon\n");
  process.exit(1);
}
const logger = createLogger((line) => {
  try {
    // Synchronous, so a full disk is an exception caught here, not an 'error' event that ends the proxy.
    // By name, not through stdout: a rotated proxy.log (10 MB × 5 kept) then needs no descriptor handover.
    appendLineRotating(proxyPaths(home).log, line + "\n");
  } catch {
    // The log is the first thing to give up on a full disk; serving goes on.
  }
}, "info", { component: "proxy" });

runProxyMain(home, JSON.parse(settings), logger).catch((error: Error) => {
  logger.error("proxy could not start", { error: error.message });
  process.exit(1);
});
