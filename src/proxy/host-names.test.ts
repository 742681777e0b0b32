import { test } from "node:test";
import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { hostCertificateNames } from "./host-names.js";

const address = (value: string, internal = false) => ({ address: value, internal }) as NetworkInterfaceInfo;

test("the host certificate names the machine and its public addresses, not loopback or link-local ones", () => {
  const names = hostCertificateNames(
    { lo: [address("127.0.0.1", true), address("::1", true)], eth0: [address("203.0.113.7"), address("2001:db8::7"), address("fe80::1")] },
    "Pixel-Server",
  );
  assert.deepEqual(names, ["pixel-server", "203.0.113.7", "2001:db8::7"]);
});

test("a host name that is no DNS name is left out", () => {
  assert.deepEqual(hostCertificateNames({}, "my_box"), []);
});
