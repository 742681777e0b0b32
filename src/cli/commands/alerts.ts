import type { Command } from "commander";
import type { AlertDelivery } from "../../alerts/post-webhook.js";
import { callDaemon } from "../../daemon/client.js";
import { EXIT_STACK_FAILED, UserError } from "../../errors.js";
import { globalOptions, targetStackName } from "../context.js";
import { printJson, printLine } from "../output.js";

export function registerAlerts(program: Command): void {
  const alerts = program.command("alerts").description("send a test alert to the stack's webhook (alerts: in berth.yml)");
  alerts
    .command("test")
    .description("POST a test event to the running stack's alerts webhook and say whether it arrived")
    .action(async (_options: unknown, command: Command) => {
      const global = globalOptions(command);
      const name = await targetStackName(global);
      const delivery = await callDaemon<AlertDelivery>({ op: "alerts-test", name });
      if (global.json) printJson(delivery);
      if (!delivery.delivered) {
        throw new UserError(`the test alert was not delivered: ${delivery.error ?? `HTTP ${delivery.status}`}`, {
          exitCode: EXIT_STACK_FAILED,
          hint: "check `alerts.webhook` in berth.yml (the stack runs the definition of its last `berth up` or deploy)",
        });
      }
      if (!global.json) printLine(`test alert delivered (HTTP ${delivery.status})`);
    });
}
