/**
 * CPU time this process has used, in milliseconds (user + system). Tests bound work with it instead
 * of wall-clock time, which a loaded machine stretches without the code doing more.
 */
export function cpuMilliseconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
