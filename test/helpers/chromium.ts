import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { chromium, type BrowserContext } from "playwright-core";
import { processesMentioning } from "../../src/supervisor/procfs.js";

export const CHROMIUM = "/usr/bin/chromium";
const BASE_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** How long a browser gets to close before its processes are killed. */
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * Debian's Chromium, headless, in its own profile directory. After the test it is closed, and
 * whatever is left of it is killed: a browser whose close hangs (seen on a loaded machine) keeps
 * its pipe to the test process open, and the test file would then never exit. Its profile
 * directory is removed last: removed while Chromium still wrote to it, it failed the test (ENOTEMPTY).
 */
export async function launchChromium(t: TestContext, options: { args?: string[]; viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), "berth-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(options.args ?? [])],
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
  t.after(async () => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
    await Promise.race([browser.close().catch(() => undefined), timedOut]);
    clearTimeout(timer);
    for (const pid of processesMentioning(profile)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  });
  return browser;
}
