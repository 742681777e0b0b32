// Stack names (`my-app`) become database and role names. Stack names are already lowercase letters,
// digits and `-`, starting with a letter, at most 40 characters, so replacing `-` is enough for
// PostgreSQL and MariaDB; names the servers use for themselves get a suffix.

const TAKEN_NAMES = {
  postgres: ["postgres", "template0", "template1", "public", "pg_signal_backend"],
  mariadb: ["root", "mysql", "mariadb", "information_schema", "performance_schema", "sys", "test"],
} as const;

/** The role (user) and database name berth creates for a stack: `my-app` -> `my_app`. */
export function databaseIdentifier(stackName: string, engine: keyof typeof TAKEN_NAMES): string {
  const name = stackName.replace(/-/g, "_");
  return (TAKEN_NAMES[engine] as readonly string[]).includes(name) ? `${name}_app` : name;
}

/** Single-quoted for /bin/sh: safe for any path. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
