import { isAbsolute, join } from "node:path";
import type { Stack } from "../config/types.js";

// The logrotate file of the systemd export. Units log to journald, whose limits are the host's
// (SystemMaxUse= in journald.conf); what logrotate covers is what the app writes itself: files
// under /var/log/<name>/ and those `logs.files` lists, rotated as berth rotates them.

const DAY_MS = 24 * 60 * 60 * 1000;

export function renderLogrotate(stack: Stack): string {
  const name = stack.name;
  const sections = [
    `# Units log to journald; this covers log files the app writes itself under /var/log/${name}/.`,
    stanza(`/var/log/${name}/*.log`, stack, ["copytruncate"]),
  ];
  for (const file of stack.logs.files ?? []) {
    const path = isAbsolute(file.path) ? file.path : join(stack.root, file.path);
    const reopen = file.reopen
      ? ["sharedscripts", "postrotate", `\tsystemctl kill --kill-whom=main --signal=${file.reopen.signal} '${name}-${file.reopen.service}@*.service'`, "endscript"]
      : ["copytruncate"];
    sections.push(stanza(path, stack, reopen));
  }
  return sections.join("\n") + "\n";
}

function stanza(path: string, stack: Stack, how: readonly string[]): string {
  const logs = stack.logs;
  const options = [
    // `size` and a period override each other in logrotate; `maxsize` rotates on either.
    logs.every ? `maxsize ${logs.maxSizeBytes}` : `size ${logs.maxSizeBytes}`,
    `rotate ${logs.keep}`,
    logs.compress ? "compress" : "nocompress",
    ...(logs.every ? [logs.every] : []),
    ...(logs.maxAgeMs ? [`maxage ${Math.ceil(logs.maxAgeMs / DAY_MS)}`] : []),
    "missingok",
    "notifempty",
    ...how,
  ];
  return [`${path} {`, ...options.map((option) => `\t${option}`), "}"].join("\n");
}
