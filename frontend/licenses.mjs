// Write the licence of every npm package esbuild put into the bundle next to it, as their MIT
// (and similar) licences ask: `node frontend/licenses.mjs META.json OUT.txt` (see `make bundle`).
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [metafile, out] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metafile, "utf8"));
const packages = new Set();
for (const input of Object.keys(meta.inputs)) {
  const found = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (found) {
    packages.add(found[1]);
  }
}
const parts = [...packages].sort().map((name) => {
  const dir = join("node_modules", name);
  const info = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : "License: " + info.license;
  return `${name} ${info.version} (${info.license})\n\n${text}\n`;
});
writeFileSync(out, "The query editor bundle (editor.js) contains these packages.\n\n" + parts.join("\n---\n\n"));
