import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { isHttp2Response } from "./http2-listener.js";

const EXPLANATIONS: Record<number, [string, string]> = {
  400: ["Bad Request", "The request could not be understood."],
  401: ["Unauthorized", "This site needs a user name and password."],
  404: ["Not Found", "Nothing is served at this address."],
  405: ["Method Not Allowed", "This address only answers GET and HEAD."],
  408: ["Request Timeout", "The request was not received in time."],
  413: ["Content Too Large", "The request body is larger than this site accepts."],
  421: ["Misdirected Request", "This server does not serve the host name in the request."],
  502: ["Bad Gateway", "The application did not answer correctly. It may be restarting; try again shortly."],
  503: ["Service Unavailable", "No instance of the application is ready to answer. It may be starting or deploying; try again shortly."],
  504: ["Gateway Timeout", "The application took too long to answer."],
};

/** How long clients are told to wait during `berth maintenance on`, in seconds. */
export const MAINTENANCE_RETRY_AFTER_S = 60;

/** `berth maintenance on`: 503 with Retry-After, never cached. */
export function sendMaintenancePage(response: ServerResponse, requestId: string): void {
  const body = `<!doctype html>
<html><head><meta charset="utf-8"><title>Down for maintenance</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}small{color:#777}</style></head>
<body><h1>Down for maintenance</h1><p>This site is being worked on and will be back shortly.</p><p><small>request id ${requestId} · berth</small></p></body></html>
`;
  writeHeadKept(response, 503, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "retry-after": String(MAINTENANCE_RETRY_AFTER_S),
    "x-request-id": requestId,
  });
  response.end(body);
}

/** A short page a person can read; the request id lets them quote it to whoever runs the server. */
export function sendErrorPage(response: ServerResponse, status: number, requestId: string, detail?: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const [title, explanation] = EXPLANATIONS[status] ?? ["Error", "The request failed."];
  const body = `<!doctype html>
<html><head><meta charset="utf-8"><title>${status} ${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}small{color:#777}</style></head>
<body><h1>${status} ${title}</h1><p>${explanation}${detail ? ` ${escapeHtml(detail)}` : ""}</p><p><small>request id ${requestId} · berth</small></p></body></html>
`;
  writeHeadKept(response, status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-request-id": requestId,
    ...(status === 503 ? { "retry-after": "2" } : {}),
    ...((status === 413 || status === 400 || status === 408) && !isHttp2Response(response) ? { connection: "close" } : {}),
  });
  response.end(body);
}

/** writeHead, with the headers kept readable by getHeader (the access log reads the body's length there). */
function writeHeadKept(response: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) response.setHeader(name, value);
  response.writeHead(status);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
