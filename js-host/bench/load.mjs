// Cold load of a gzrs wasm module, as a fresh Lambda would pay it: read the .wasm file, compile
// it, instantiate it and run its `gzrs_init` (which builds and installs the service).
// Usage: node load.mjs PROJECT [RUNS]  — spawns RUNS fresh node processes, prints the median.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [project, runsArg, child] = process.argv.slice(2);
const gzrsDir = path.join(project, "server", "gzrs");
const wasmPath = path.join(gzrsDir, "service.wasm");

if (child === "--child") {
  const { WasmHost } = await import(pathToFileURL(path.join(gzrsDir, "wasm-host.mjs")).href);
  const start = process.hrtime.bigint();
  await WasmHost.load(pathToFileURL(gzrsDir + "/").href, "./service.wasm").whenReady();
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
} else {
  const runs = Number(runsArg ?? 20);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync(process.execPath, [process.argv[1], project, "1", "--child"], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(out.stderr);
    // The last line: the host logs its start line before it.
    times.push(Number(out.stdout.trim().split("\n").at(-1)));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`wasm module: ${statSync(wasmPath).size} bytes (${(statSync(wasmPath).size / 1024).toFixed(0)} KiB)`);
  console.log(`load+compile+instantiate+init: median ${median.toFixed(2)} ms over ${runs} fresh processes (min ${times[0].toFixed(2)}, max ${times.at(-1).toFixed(2)})`);
}
