// What the trap does before it starts the executable, timed in fresh node processes:
//   sha256: read the file, load node:crypto, SHA-256 it, write a private copy (gzrs before 0.1's
//           integrity change: the class checked the hash);
//   check:  stat it, read its 20-byte ELF header, check it may run in place (now: the executable
//           checks its own fingerprint when it starts, see gzrs-native's integrity module).
//   binding: the check, with the spawn_sync binding in place of loading node:child_process (what
//           the trap does now).
// Each child has node:net and node:http loaded before the clock starts, as aws-lambda-ric has
// when the class is built. Usage: node trap-prep.mjs EXECUTABLE [RUNS]
import { spawnSync } from "node:child_process";

const [executable, runsArg, child] = process.argv.slice(2);

if (child) {
  await import("node:net");
  await import("node:http");
  const { createRequire } = await import("node:module");
  const builtin = createRequire(import.meta.url);
  const start = process.hrtime.bigint();
  const fs = builtin("node:fs");
  if (child === "--binding") process.binding("spawn_sync");
  else builtin("node:child_process");
  if (child === "--sha256") {
    const { createHash } = builtin("node:crypto");
    const os = builtin("node:os");
    const path = builtin("node:path");
    const bytes = fs.readFileSync(executable);
    createHash("sha256").update(bytes).digest("hex");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gzrs-bench-"));
    fs.writeFileSync(path.join(dir, "service"), bytes, { mode: 0o700, flag: "wx" });
    fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const stat = fs.statSync(executable);
    const header = Buffer.alloc(20);
    const fd = fs.openSync(executable, "r");
    fs.readSync(fd, header, 0, 20, 0);
    fs.closeSync(fd);
    fs.accessSync(executable, fs.constants.X_OK);
    fs.statSync(executable.replace(/\/[^/]*$/, "") || "/");
    if (stat.size === 0 || header.readUInt32BE(0) !== 0x7f454c46) throw new Error("not an ELF file");
  }
  process.stdout.write(`${Number(process.hrtime.bigint() - start) / 1e6}\n`);
} else {
  if (!executable) throw new Error("usage: node trap-prep.mjs EXECUTABLE [RUNS]");
  const runs = Number(runsArg ?? 21);
  const times = { sha256: [], check: [], binding: [] };
  for (let i = 0; i < runs; i++) {
    for (const how of Object.keys(times)) {
      const out = spawnSync(process.execPath, [process.argv[1], executable, "1", `--${how}`], { encoding: "utf8" });
      if (out.status !== 0) throw new Error(out.stderr);
      times[how].push(Number(out.stdout));
    }
  }
  const median = (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const [a, b, c] = [median(times.sha256), median(times.check), median(times.binding)];
  console.log(`before spawnSync, median of ${runs} fresh processes each, alternating:`);
  console.log(`  read + SHA-256 + private copy: ${a.toFixed(2)} ms`);
  console.log(`  stat + ELF header + in place:  ${b.toFixed(2)} ms (${(a - b).toFixed(2)} ms less)`);
  console.log(`  the same, spawn_sync binding:  ${c.toFixed(2)} ms (${(b - c).toFixed(2)} ms less again)`);
}
