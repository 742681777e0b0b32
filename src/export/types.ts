import type { KeyPath } from "../config/yaml-locator.js";
import type { SourceLocation } from "../errors.js";

// What every exporter takes and gives: files to write (secret ones marked), and the berth.yml keys
// the target could not express, so nothing is dropped in silence.

export type ExportTarget = "compose" | "kubernetes" | "systemd";

export const EXPORT_TARGETS: readonly ExportTarget[] = ["compose", "kubernetes", "systemd"];

export interface ExportFile {
  /** Relative to the output directory, with / separators. */
  path: string;
  content: string;
  /** Secret files are written 0600 and listed in the generated .gitignore. */
  secret?: boolean;
  /** An executable script (0755). */
  executable?: boolean;
}

/** A berth.yml key the target cannot express, and what happens instead. */
export interface Unexpressed {
  path: KeyPath;
  instead: string;
  /** Filled in from berth.yml when the report is made. */
  location?: SourceLocation | null;
}

export type PostgresMode = "external" | "cloudnative-pg" | "statefulset";

export interface ExportOptions {
  /** Replacement images by name: `app`, `postgres`, `mariadb`, `redis`, `caddy`, `kubectl`. */
  images: Readonly<Record<string, string>>;
  /** Values of the stack's secrets and of the passwords the export generates for its servers. */
  secrets: Readonly<Record<string, string>>;
  /** Absolute directory the files will be written to (Compose refers to the project from there). */
  outputDirectory: string;
  /** Kubernetes only: how the PostgreSQL database is provided. */
  postgres: PostgresMode;
  /** Kubernetes only: a HorizontalPodAutoscaler for these services, by name. */
  autoscale?: Readonly<Record<string, { min: number; max: number }>>;
}

export interface ExportResult {
  files: ExportFile[];
  unexpressed: Unexpressed[];
  /** One line per thing the user must know to apply the export (what to run, what to fill in). */
  notes: string[];
}

export type Exporter = (stack: import("../config/types.js").Stack, options: ExportOptions) => ExportResult;
