// systemd only warns about a key it does not know and then ignores it, so a typo in a generated
// unit would silently drop sandboxing or a restart policy. Every unit berth writes is checked
// against the keys it is allowed to use.

const ALLOWED_KEYS: Record<string, readonly string[]> = {
  Unit: ["Description", "Documentation", "After", "Before", "Wants", "Requires", "PartOf", "StartLimitIntervalSec", "StartLimitBurst", "ConditionPathExists"],
  Service: [
    "Type", "RemainAfterExit", "ExecStart", "ExecStartPre", "ExecStartPost", "WorkingDirectory", "Environment", "EnvironmentFile",
    "User", "DynamicUser", "StateDirectory", "Restart", "RestartSec", "TimeoutStopSec", "TimeoutStartSec", "KillSignal", "KillMode",
    "ProtectSystem", "ProtectHome", "PrivateTmp", "NoNewPrivileges", "ReadWritePaths", "PrivateDevices", "ProtectKernelTunables",
    "ProtectKernelModules", "ProtectControlGroups", "RestrictSUIDSGID", "LockPersonality", "StandardOutput", "StandardError", "SyslogIdentifier",
  ],
  Timer: ["OnCalendar", "Persistent", "RandomizedDelaySec", "Unit"],
  Install: ["WantedBy", "RequiredBy", "Also"],
};

export interface UnitKeyProblem {
  line: number;
  section: string;
  key: string;
}

/** Keys of `unit` that are not in its section's allow-list (or sections berth does not write). */
export function findUnknownUnitKeys(unit: string): UnitKeyProblem[] {
  const problems: UnitKeyProblem[] = [];
  let section = "";
  for (const [index, raw] of unit.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? "";
      if (!ALLOWED_KEYS[section]) problems.push({ line: index + 1, section, key: `[${section}]` });
      continue;
    }
    const key = line.split("=", 1)[0]?.trim() ?? "";
    if (!ALLOWED_KEYS[section]?.includes(key)) problems.push({ line: index + 1, section, key });
  }
  return problems;
}
