import type { Stack } from "../config/types.js";
import { exportCompose } from "./compose.js";
import { exportKubernetes } from "./kubernetes.js";
import { exportSystemd } from "./systemd.js";
import type { Exporter, ExportOptions, ExportResult, ExportTarget } from "./types.js";
import { findUnexpressedKeys, locateUnexpressed } from "./unexpressed.js";
import { formatKeyPath } from "../config/yaml-locator.js";

// `berth export`'s core: the resolved Stack to a target's files, plus every key of berth.yml the
// target cannot express, located at its line and column.

export type * from "./types.js";
export { EXPORT_TARGETS } from "./types.js";
export { writeExport } from "./write-export.js";
export { refuseUnexpressed, toDiagnostics } from "./unexpressed.js";
export { collectSecretValues, readPreviousSecrets, secretFileNames } from "./export-secrets.js";
export { IMAGE_NAMES } from "./servers.js";

const EXPORTERS: Record<ExportTarget, Exporter> = { compose: exportCompose, kubernetes: exportKubernetes, systemd: exportSystemd };

/** `shownFile`: berth.yml as messages name it. */
export function exportStack(stack: Stack, target: ExportTarget, options: ExportOptions, shownFile: string = stack.file): ExportResult {
  const result = EXPORTERS[target](stack, options);
  const seen = new Set<string>();
  const all = [...findUnexpressedKeys(stack.file, target), ...result.unexpressed].filter((item) => {
    const key = formatKeyPath(item.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ...result, unexpressed: locateUnexpressed(stack.file, all, shownFile) };
}
