import { PROXY_ENV } from "../proxy/listener-settings.js";

// Apart from host-settings.ts so the CLI can name these variables without loading the YAML parser.

export const ACME_CA_FILE_ENV = "BERTH_ACME_CA_FILE";

/** Every variable readHostSettings reads, so the CLI can pass exactly these to a daemon it starts. */
export const HOST_SETTINGS_ENV: string[] = [PROXY_ENV.address, PROXY_ENV.httpPort, PROXY_ENV.httpsPort, PROXY_ENV.workers, ACME_CA_FILE_ENV];
