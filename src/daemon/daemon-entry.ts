// The file the CLI spawns (detached) to start a daemon on demand, and what the systemd unit runs.
import { runDaemon } from "./main.js";

runDaemon().catch((error: Error) => {
  process.stderr.write(`berth daemon: ${error.message}\n`);
  process.exit(1);
});
