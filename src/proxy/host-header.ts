import { isIPv4, isIPv6 } from "node:net";

// The Host header (RFC 9110 §7.2: Host = uri-host [ ":" port ], uri-host from RFC 3986 §3.2.2)
// decides which site and which app a request reaches, and apps build absolute URLs from it, so
// the proxy refuses anything but one plain name or IP literal with an optional numeric port.
// A reg-name may also hold sub-delims and percent-encoding by RFC 3986; no real host name does,
// and they are what make `app.test:@evil.example` mean one host to the proxy and another to the
// app's URL parser, so only unreserved characters (§2.3) are accepted.

const REGISTERED_NAME = /^[A-Za-z0-9._~-]+$/;
const PORT = /^[0-9]{1,5}$/;
/** RFC 1035 §2.3.4: a full domain name is at most 253 characters in text form. */
const MAXIMUM_NAME_LENGTH = 253;

/** Why the request's Host header(s) cannot be served, or null when there is at most one valid Host. */
export function findHostHeaderProblem(rawHeaders: readonly string[]): string | null {
  const values: string[] = [];
  let authority: string | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    if (name === "host") values.push(rawHeaders[index + 1] ?? "");
    else if (name === ":authority") authority = rawHeaders[index + 1] ?? "";
  }
  // HTTP/2 names the host in :authority; a Host field, if also sent, is the one routed by.
  if (values.length === 0 && authority !== undefined) values.push(authority);
  // RFC 9112 §3.2: a request with more than one Host field line must get 400.
  if (values.length > 1) return "The request has more than one Host header.";
  if (values.length === 1 && !isValidHost(values[0]!)) return "The Host header is not a host name or IP address with an optional port.";
  return null;
}

/** Whether `value` is `name`, `IPv4`, or `[IPv6]`, each with an optional `:port` (0–65535). */
export function isValidHost(value: string): boolean {
  let host = value;
  let port: string | null = null;
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return false;
    host = value.slice(0, end + 1);
    const rest = value.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return false;
      port = rest.slice(1);
    }
    if (!isIPv6(host.slice(1, -1))) return false;
  } else {
    const colon = value.indexOf(":");
    if (colon >= 0) {
      host = value.slice(0, colon);
      port = value.slice(colon + 1);
    }
    if (host === "" || host.length > MAXIMUM_NAME_LENGTH || !REGISTERED_NAME.test(host)) return false;
    // All-digit dotted names must be real IPv4 addresses: "1.2.3.999" is neither a name nor an address.
    if (/^[0-9.]+$/.test(host) && !isIPv4(host)) return false;
  }
  return port === null || (PORT.test(port) && Number(port) <= 65_535);
}
