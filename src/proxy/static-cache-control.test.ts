import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasContentHash } from "./static-cache-control.js";

describe("hasContentHash", () => {
  it("recognizes the names build tools give hashed files", () => {
    for (const name of [
      "app.3f2a1b9c8d7e.css", // Django ManifestStaticFilesStorage, WhiteNoise
      "app.min.3f2a1b9c8d7e.js",
      "app.js.3f2a1b9c8d7e.map",
      "main.8e0c1d7a4b2f6c9e1a3d.js", // webpack [contenthash]
      "index.3f2a1b9c.js", // Parcel
      "index-BzX3k9a1.js", // Vite / Rollup
      "index-C_0Ei-3J.js",
      "index-BzX3k9a1.js.map",
      "app-ABCD2345.js", // esbuild
    ]) {
      assert.equal(hasContentHash(name), true, name);
    }
  });

  it("leaves ordinary names alone, dates and words included", () => {
    for (const name of [
      "app.css",
      "jquery.min.js",
      "jquery-ui-datepicker.js",
      "bootstrap-4.6.2.min.css",
      "report.20240101.css",
      "logo-deadbeef.png",
      "roboto-v30-latin-regular.woff2",
      "3f2a1b9c8d7e.css",
      "robots.txt",
      "favicon.ico",
    ]) {
      assert.equal(hasContentHash(name), false, name);
    }
  });
});
