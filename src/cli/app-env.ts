// What the apps of a stack inherit from the shell that ran `berth up` or `berth deploy`: the program
// search path, locale and interpreter settings a user expects their app to see (PM2 passes the CLI's
// environment the same way). It is recorded with the stack, so a daemon restarted by anyone brings
// the apps back with the same environment. Anything else an app needs belongs in berth.yml.

const INHERITED = new Set(["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "NODE_PATH", "JAVA_HOME", "GEM_HOME", "GEM_PATH"]);
const INHERITED_PREFIXES = ["LC_", "BERTH_"];
/** Settings of berth itself, not of the apps. */
const NOT_INHERITED = new Set(["BERTH_HOME"]);

export function appEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NOT_INHERITED.has(name)) continue;
    if (INHERITED.has(name) || INHERITED_PREFIXES.some((prefix) => name.startsWith(prefix))) inherited[name] = value;
  }
  return inherited;
}
