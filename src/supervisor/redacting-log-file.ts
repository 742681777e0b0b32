import { redactText } from "../config/secrets.js";
import type { LogPolicy } from "../config/types.js";
import { RotatingLogFile, type OutputStream } from "../logs/index.js";
import type { Logger } from "../util/logger.js";

/**
 * A log file that writes every secret value as ********: what a replica, a release task or berth
 * itself prints. Lines reach writeLine() whole (the file splits streams into lines first), so a
 * value is never cut in two by a chunk boundary. The values are asked for at each line, so a
 * rotated secret is hidden from its first use on.
 */
export class RedactingLogFile extends RotatingLogFile {
  private readonly secretValues: () => readonly string[];

  constructor(path: string, policy: LogPolicy, secretValues: () => readonly string[], logger?: Logger, afterRotate?: () => void) {
    super(path, policy, logger, afterRotate);
    this.secretValues = secretValues;
  }

  override writeLine(stream: OutputStream, text: string, at?: Date): void {
    super.writeLine(stream, redactText(text, this.secretValues?.() ?? []), at);
  }
}
