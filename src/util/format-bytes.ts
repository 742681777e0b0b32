/** "64MB", "2.5GB", "412KB": binary units, as ps and the size limits are written in berth.yml. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "-";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)}${units[unit]}`;
}
