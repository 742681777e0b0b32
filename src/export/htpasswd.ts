import { createHash, randomBytes } from "node:crypto";
import { PROXY_SECRETS_FILE, renderEnvFile } from "./export-secrets.js";
import type { ExportFile } from "./types.js";

// Basic auth for nginx (the systemd export's site, ingress-nginx): an htpasswd line in nginx's
// salted SHA-1 scheme ({SSHA}), which Node computes without a bcrypt library. The password itself
// goes to a 0600 env file only, so the next export keeps it.

export function htpasswdLine(user: string, password: string): string {
  const salt = randomBytes(8);
  const digest = createHash("sha1").update(password).update(salt).digest();
  return `${user}:{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

/** The htpasswd file (0600) and the password's env file (0600) for `proxy.basic_auth`. */
export function basicAuthFiles(htpasswdPath: string, auth: { user: string; passwordSecret: string }, secrets: Readonly<Record<string, string>>): ExportFile[] {
  const password = secrets[auth.passwordSecret];
  if (password === undefined) throw new Error(`no value for the basic auth secret ${auth.passwordSecret}`);
  return [
    { path: htpasswdPath, content: `${htpasswdLine(auth.user, password)}\n`, secret: true },
    { path: PROXY_SECRETS_FILE, content: renderEnvFile({ [auth.passwordSecret]: password }, "The front proxy's basic auth password: keep this file 0600 and out of version control."), secret: true },
  ];
}
