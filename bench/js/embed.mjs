// Shipping the native executable as a file beside the class, or embedded in the class's module
// as base64: what each costs a cold Lambda before the executable can run. Each run is a fresh
// node process that gets the checked bytes in hand, as the native host does at init:
//   file:  read the file, SHA-256 it;
//   embed: import a module holding the base64 text (parse), decode it, SHA-256 it.
// The two alternate (file, embed, file, embed, ...) so machine drift hits both alike.
// Usage: node embed.mjs EXECUTABLE [RUNS]  — prints the medians and their ratio.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [executable, runsArg, child, embedded] = process.argv.slice(2);

if (child === "--file") {
  const start = process.hrtime.bigint();
  const bytes = readFileSync(executable);
  createHash("sha256").update(bytes).digest("hex");
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
} else if (child === "--embed") {
  const start = process.hrtime.bigint();
  const { BINARY } = await import(pathToFileURL(embedded).href);
  const bytes = Buffer.from(BINARY, "base64");
  createHash("sha256").update(bytes).digest("hex");
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
} else {
  const runs = Number(runsArg ?? 21);
  const dir = mkdtempSync(path.join(os.tmpdir(), "gzrs-embed-"));
  const module = path.join(dir, "embedded.mjs");
  const bytes = readFileSync(executable);
  writeFileSync(module, `export const BINARY = "${bytes.toString("base64")}";\n`);
  const times = { file: [], embed: [] };
  for (let i = 0; i < runs; i++) {
    for (const how of ["file", "embed"]) {
      const out = spawnSync(process.execPath, [process.argv[1], executable, "1", `--${how}`, module], { encoding: "utf8" });
      if (out.status !== 0) throw new Error(out.stderr);
      times[how].push(Number(out.stdout));
    }
  }
  const median = (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const [file, embed] = [median(times.file), median(times.embed)];
  console.log(`executable: ${bytes.length} bytes; module with base64: ${readFileSync(module).length} bytes; ${runs} runs each`);
  console.log(`file beside the class: median ${file.toFixed(2)} ms`);
  console.log(`embedded as base64:    median ${embed.toFixed(2)} ms (${(embed / file).toFixed(1)}x the file)`);
}
