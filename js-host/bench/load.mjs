// Cold load of a gzrs wasm module, as a fresh Lambda would pay it: read the .wasm file, compile
// it, instantiate it and run its start function (which installs the service).
// Usage: node load.mjs PROJECT [RUNS]  — spawns RUNS fresh node processes, prints the median.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [project, runsArg, child] = process.argv.slice(2);
const gzrsDir = path.join(project, "server", "gzrs");
const wasmPath = path.join(gzrsDir, "app_bg.wasm");

if (child === "--child") {
  const glue = await import(pathToFileURL(path.join(gzrsDir, "app.js")).href);
  globalThis.__gzrs_host = { wake() {}, panicked() {} };
  const start = process.hrtime.bigint();
  const bytes = readFileSync(wasmPath);
  const module = new WebAssembly.Module(bytes);
  glue.initSync({ module });
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
} else {
  const runs = Number(runsArg ?? 20);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync(process.execPath, [process.argv[1], project, "1", "--child"], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(out.stderr);
    times.push(Number(out.stdout));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`wasm module: ${statSync(wasmPath).size} bytes (${(statSync(wasmPath).size / 1024).toFixed(0)} KiB)`);
  console.log(`load+compile+instantiate: median ${median.toFixed(2)} ms over ${runs} fresh processes (min ${times[0].toFixed(2)}, max ${times.at(-1).toFixed(2)})`);
}
