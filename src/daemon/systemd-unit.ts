import { fileURLToPath } from "node:url";

/** A systemd unit that starts the daemon at boot; the daemon then restores the stacks that were up. */
export function renderDaemonUnit(options: { home: string; user: string; path: string }): string {
  const entry = fileURLToPath(new URL("./daemon-entry.js", import.meta.url));
  return `[Unit]
Description=berth daemon (supervises the stacks under ${options.home})
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${options.user}
Environment=BERTH_HOME=${options.home}
Environment=PATH=${options.path}
ExecStart=${process.execPath} ${entry}
# Only the daemon gets SIGTERM: it stops each replica's process group gracefully itself.
KillMode=mixed
TimeoutStopSec=90
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;
}
