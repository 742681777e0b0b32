import { watch, type FSWatcher } from "node:fs";
import { join, relative } from "node:path";
import type { Stack } from "../config/types.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../util/logger.js";
import { globMatcher } from "./glob-match.js";

// `services.<name>.watch`: a change under a watched path restarts the service, once the files have
// been quiet for a moment (an editor's save or a `git checkout` writes many files at once).

/** How long files must be quiet before the restart. */
export const WATCH_DEBOUNCE_MS = 300;

/** Changes that are never worth a restart: version control, dependencies, bytecode, editors' temporary files. */
const ALWAYS_IGNORED = [".git", "node_modules", "__pycache__", "*.pyc", "*.pyo", "*.swp", "*.swx", "*~", ".#*", "4913", "*.sqlite3", "*.sqlite3-journal", "*.log"];

export type WatchedChange = (service: string, file: string) => void;

export class ServiceWatchers {
  private watchers: FSWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly onChange: WatchedChange,
    private readonly logger: Logger,
  ) {}

  /** Watches what `stack` asks for, in place of what was watched before. */
  update(stack: Stack): void {
    this.close();
    for (const service of stack.services) {
      if (!service.watch) continue;
      const ignored = [...ALWAYS_IGNORED, ...service.watch.ignore].map(globMatcher);
      for (const path of service.watch.paths) {
        try {
          const watcher = watch(path, { recursive: true }, (_event, name) => {
            const file = relative(stack.root, name ? join(path, name.toString()) : path);
            if (ignored.some((matches) => matches(file))) return;
            this.schedule(service.name, file);
          });
          watcher.on("error", (error) => this.logger.warn("watching files failed", { stack: stack.name, service: service.name, path, error: errorMessage(error) }));
          this.watchers.push(watcher);
        } catch (error) {
          this.logger.warn("cannot watch a path", { stack: stack.name, service: service.name, path, error: errorMessage(error) });
        }
      }
    }
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(service: string, file: string): void {
    clearTimeout(this.timers.get(service));
    this.timers.set(
      service,
      setTimeout(() => {
        this.timers.delete(service);
        this.onChange(service, file);
      }, WATCH_DEBOUNCE_MS),
    );
  }
}
