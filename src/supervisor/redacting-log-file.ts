import { redactText } from "../config/secrets.js";
import type { LogPolicy } from "../config/types.js";
import { RotatingLogFile, type OutputStream } from "../logs/index.js";

/**
 * A log file that writes every secret value as ********: what a replica, a release task or berth
 * itself prints. Lines reach writeLine() whole (the file splits streams into lines first), so a
 * value is never cut in two by a chunk boundary. The values are asked for at each line, so a
 * rotated secret is hidden from its first use on.
 */
export class RedactingLogFile extends RotatingLogFile {
  constructor(
    path: string,
    policy: LogPolicy,
    private readonly secretValues: () => readonly string[],
  ) {
    super(path, policy);
  }

  override writeLine(stream: OutputStream, text: string, at?: Date): void {
    super.writeLine(stream, redactText(text, this.secretValues()), at);
  }
}
