// Backing services: the database and Redis berth runs for a stack (as supervised services), the
// environment that points apps at them, host checks (`berth doctor`), backups and restores.

export { BackingServices, type WithServicesStopped } from "./backing-services.js";
export { backingEnv, type BackingEnv } from "./backing-env.js";
export { inspectHost, type HostCheck } from "./host-check.js";
export { listBackups, type BackupFile } from "./backup-files.js";
export { backingLayout } from "./layout.js";
export { waitForServer } from "./ready.js";
