// One HTTP GET to the benchmark app, without connection reuse, reporting who answered.
import { get } from "node:http";
import { LOOPBACK } from "./system.js";

export interface AppReply {
  pid: number;
  /** Epoch ms when the answering node process started (its performance.timeOrigin). */
  originMs: number;
  /** Epoch ms when it started listening. */
  listeningMs: number;
}

const BODY = /pid=(\d+) origin=([\d.]+) listening=([\d.]+)/;

/** Resolves with the app's reply to a 200, or null on any error, timeout or other status. Never rejects. */
export function probe(port: number, timeoutMs: number): Promise<AppReply | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reply: AppReply | null) => {
      if (settled) return;
      settled = true;
      resolve(reply);
    };
    const request = get({ host: LOOPBACK, port, path: "/", agent: false, timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        finish(null);
        return;
      }
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => finish(parseBody(body)));
      response.on("error", () => finish(null));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => finish(null));
  });
}

function parseBody(body: string): AppReply | null {
  const match = BODY.exec(body);
  if (!match) return null;
  return { pid: Number(match[1]), originMs: Number(match[2]), listeningMs: Number(match[3]) };
}
