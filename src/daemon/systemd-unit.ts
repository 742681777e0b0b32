import { fileURLToPath } from "node:url";
import { HOST_SETTINGS_FILE } from "./host-settings.js";

/** What apps' commands find when the unit gives no other PATH. */
export const UNIT_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * A systemd unit that starts the daemon at boot; the daemon then restores the stacks that were up.
 * The proxy's address and ports come from $BERTH_HOME/host.yml, which the daemon reads itself, so
 * the unit carries no proxy settings and a CLI-started daemon and this one agree.
 */
export function renderDaemonUnit(options: { home: string; user: string; path?: string }): string {
  const entry = fileURLToPath(new URL("./daemon-entry.js", import.meta.url));
  return `[Unit]
Description=berth daemon (supervises the stacks under ${options.home})
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${options.user}
Environment=BERTH_HOME=${options.home}
Environment=PATH=${options.path ?? UNIT_DEFAULT_PATH}
ExecStart=${process.execPath} ${entry}
# Host settings (proxy address, ports, workers): ${options.home}/${HOST_SETTINGS_FILE}
# Only the daemon is stopped with the unit: the apps and the proxy keep serving, and the next
# daemon adopts them. \`berth down\` or \`berth daemon stop --all\` stops them.
KillMode=process
TimeoutStopSec=90
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;
}
