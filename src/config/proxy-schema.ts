import * as z from "zod";
import { field } from "./field-info.js";
import { DURATION_PATTERN, SIZE_PATTERN } from "./units.js";

// The `proxy:` section: berth's HTTPS front door for the stack (hosts, routes, static files, TLS).

export const PROXY_DEFAULTS = Object.freeze({
  tls: "self-signed",
  /** A safe cap (kamal-proxy's unlimited default lets one client fill a disk); raise it for big uploads. */
  maxBody: "64MB",
  upstreamTimeout: "60s",
  drainTimeout: "30s",
  /** Covers a crashed one-replica app's restart (a few hundred ms to a few seconds), not a long outage. */
  hold: "5s",
  hstsMaxAge: "365d",
  acmeDirectory: "https://acme-v02.api.letsencrypt.org/directory",
});

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const PREFIX_PATTERN = /^\/[^\s?#]*$/;

const prefix = field(z.string().regex(PREFIX_PATTERN), {
  description: "A URL path prefix.",
  expected: "a URL path prefix starting with / (no spaces, ? or #)",
  hint: "write e.g. `/static/`",
});

const size = (description: string, fallback: string) =>
  field(z.union([z.string().regex(SIZE_PATTERN), z.number().int().min(0)]), {
    description: `${description} A size such as "64MB" or a number of bytes.`,
    default: fallback,
    expected: "a size such as 64MB or 512KB, or a number of bytes",
    hint: `write e.g. \`${fallback}\``,
  });

const duration = (description: string, fallback: string) =>
  field(z.union([z.string().regex(DURATION_PATTERN), z.number().nonnegative()]), {
    description: `${description} A duration such as "30s" or a number of seconds.`,
    default: fallback,
    expected: "a duration such as 500ms, 30s or 1m",
    hint: `write e.g. \`${fallback}\``,
  });

const tls = field(
  z.union([
    z.enum(["self-signed", "acme", "off"]),
    z.strictObject({
      acme: field(z.strictObject({
        email: field(z.email(), { description: "Contact address for the ACME account.", expected: "an e-mail address", hint: "write e.g. `email: ops@example.org`" }).optional(),
        directory: field(z.url(), {
          description: "ACME directory URL (default: Let's Encrypt production).",
          default: PROXY_DEFAULTS.acmeDirectory,
          expected: "a URL",
          hint: "write e.g. `directory: https://acme-staging-v02.api.letsencrypt.org/directory`",
        }).optional(),
      }), { description: "Obtain certificates with ACME HTTP-01.", expected: "a map", hint: "write e.g. `acme: { email: ops@example.org }`" }),
    }),
    z.strictObject({
      cert: field(z.string().min(1), { description: "PEM certificate chain file, relative to berth.yml.", expected: "a file path", hint: "write e.g. `cert: certs/fullchain.pem`" }),
      key: field(z.string().min(1), { description: "PEM private key file, relative to berth.yml.", expected: "a file path", hint: "write e.g. `key: certs/privkey.pem`" }),
    }),
  ]),
  {
    description: "self-signed (berth's local CA, the default), acme (Let's Encrypt HTTP-01), off (plain HTTP only), or { cert, key } files.",
    default: PROXY_DEFAULTS.tls,
    expected: "self-signed, acme, off, { acme: {...} } or { cert: file, key: file }",
    hint: "write e.g. `tls: self-signed` or `tls: { cert: fullchain.pem, key: privkey.pem }`",
  },
);

const staticPath = field(z.string().min(1), {
  description: "A directory, relative to berth.yml.",
  expected: "a directory path",
  hint: "write e.g. `staticfiles`",
});

const staticDirectory = field(
  z.union([
    staticPath,
    z.strictObject({
      dir: staticPath,
      allow_outside: field(z.boolean(), {
        description: "Allow a directory outside berth.yml's directory (such as /srv/media). The filesystem root is refused anyway.",
        expected: "true or false",
        hint: "write `allow_outside: true`",
      }).optional(),
    }),
  ]),
  {
    description: "A directory, or { dir, allow_outside } for one outside berth.yml's directory.",
    expected: "a directory path, or { dir: path, allow_outside: true }",
    hint: "write e.g. `/static/: staticfiles` or `/media/: { dir: /srv/media, allow_outside: true }`",
  },
);

const REDIRECT_FROM_PATTERN = /^(\/[^\s?#]*|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i;
const REDIRECT_TO_PATTERN = /^(\/[^\s?#]*|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?|https?:\/\/[^\s?#]+)$/i;

const redirect = field(
  z.strictObject({
    from: field(z.string().regex(REDIRECT_FROM_PATTERN), {
      description: "A host name (every request to it is redirected) or a path prefix starting with /.",
      expected: "a host name or a path prefix",
      hint: "write e.g. `from: www.example.org` or `from: /old-blog/`",
    }),
    to: field(z.string().regex(REDIRECT_TO_PATTERN), {
      description: "Where to: a host name for a host, a path prefix for a path (the rest of the path and the query are kept), or an absolute URL.",
      expected: "a host name, a path prefix or an http(s) URL",
      hint: "write e.g. `to: example.org` or `to: /blog/`",
    }),
    status: field(z.union([z.literal(301), z.literal(302), z.literal(307), z.literal(308)]), {
      description: "301 (default) or 308 for a permanent move, 302 or 307 for a temporary one; 307 and 308 keep the method and body.",
      default: "301",
      expected: "301, 302, 307 or 308",
      hint: "write e.g. `status: 308`",
    }).optional(),
  }),
  { description: "A redirect.", expected: "a map with from and to", hint: "write e.g. `{ from: www.example.org, to: example.org }`" },
);

const ports = (description: string, example: string) =>
  field(z.array(field(z.number().int().min(1).max(65535), { description: "A TCP port.", expected: "a port number from 1 to 65535", hint: `write e.g. \`${example}\`` })), {
    description,
    expected: "a list of port numbers",
    hint: `write e.g. \`${example}\``,
  });

export const proxySchema = field(
  z.strictObject({
    hosts: field(z.array(field(z.string().regex(HOST_PATTERN), {
      description: "A host name, or *.domain for one level of subdomains.",
      expected: "a host name such as example.org",
      hint: "write e.g. `example.org` (no scheme, no port)",
    })).min(1), {
      description: "Host allow-list (like Django's ALLOWED_HOSTS): other hosts get 421 before reaching the app. localhost is always allowed.",
      expected: "a list of host names",
      hint: "write e.g. `hosts: [pixel.example.org]`",
    }),
    routes: field(z.record(prefix, z.string()), {
      description: "Path prefix → service. The longest matching prefix wins. Default: `/` → the first service with a port.",
      expected: "a map of /path: service",
      hint: "write e.g. `routes: { /: web, /ws/: channels }`",
    }).optional(),
    static: field(z.record(prefix, staticDirectory), {
      description:
        "URL prefix → directory (relative to berth.yml) served by the proxy: ETag, Range, gzip/brotli, immutable caching for hashed names. Directories must lie inside berth.yml's directory unless the entry says `allow_outside: true`.",
      expected: "a map of /prefix/: directory",
      hint: "write e.g. `static: { /static/: staticfiles, /media/: media }`",
    }).optional(),
    tls: tls.optional(),
    redirect_http: field(z.boolean(), {
      description: "Redirect plain HTTP to HTTPS (default: true unless tls is off).",
      expected: "true or false",
      hint: "write `redirect_http: false` to serve plain HTTP too",
    }).optional(),
    hsts: field(z.union([z.boolean(), z.string().regex(DURATION_PATTERN)]), {
      description: `Send Strict-Transport-Security: true for ${PROXY_DEFAULTS.hstsMaxAge}, or a max-age duration. Default: off.`,
      expected: "true, false or a duration such as 365d",
      hint: "write `hsts: true`",
    }).optional(),
    trusted_proxies: field(z.array(z.union([z.ipv4(), z.ipv6()])), {
      description: "Peer addresses whose X-Forwarded-* headers are kept (e.g. a load balancer in front). Others' are replaced.",
      expected: "a list of IP addresses",
      hint: "write e.g. `trusted_proxies: [10.0.0.2]`",
    }).optional(),
    max_body_size: size("Largest request body accepted; larger ones get 413 before they are read.", PROXY_DEFAULTS.maxBody).optional(),
    upstream_timeout: duration("How long to wait for the app's response headers before answering 504.", PROXY_DEFAULTS.upstreamTimeout).optional(),
    drain_timeout: duration("After a switch, how long old replicas keep their in-flight requests and websockets.", PROXY_DEFAULTS.drainTimeout).optional(),
    redirects: field(z.array(redirect), {
      description: "Redirects answered by the proxy before routing: www → apex, old paths. A redirected host is served (and certified) with the stack's hosts.",
      expected: "a list of { from, to, status }",
      hint: "write e.g. `redirects: [{ from: www.example.org, to: example.org }]`",
    }).optional(),
    basic_auth: field(
      z.strictObject({
        user: field(z.string().regex(/^[^:\s]+$/), { description: "The user name.", expected: "a user name without spaces or colons", hint: "write e.g. `user: team`" }),
        password_secret: field(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), {
          description: "The name of the secret holding the password, in the stack's secret store (generated if absent).",
          expected: "a secret name such as STAGING_PASSWORD",
          hint: "write e.g. `password_secret: STAGING_PASSWORD`",
        }),
      }),
      {
        description: "HTTP basic authentication in front of the whole stack (a staging site): requests without the user and password get 401.",
        expected: "a map with user and password_secret",
        hint: "write e.g. `basic_auth: { user: team, password_secret: STAGING_PASSWORD }`",
      },
    ).optional(),
    listen: ports("Ports of this stack's own, served over plain HTTP besides the shared listeners (never redirected to HTTPS); other stacks' hosts get 421 there.", "listen: [8902]").optional(),
    listen_tls: ports("Ports of this stack's own, served over HTTPS with the stack's certificate besides the shared listeners; other stacks' hosts get 421 there.", "listen_tls: [8903]").optional(),
    hold: duration("When a service has no ready replica (a restart), how long requests wait for one before 503. 0 answers 503 at once.", PROXY_DEFAULTS.hold).optional(),
  }),
  {
    description: "berth's HTTPS front proxy for this stack.",
    expected: "a map with at least `hosts`",
    hint: "write e.g. `proxy: { hosts: [example.org] }`",
  },
);

export type ProxyEntry = z.infer<typeof proxySchema>;
