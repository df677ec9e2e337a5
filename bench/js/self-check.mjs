// What the native executable's self-check costs at start: spawnSync of the executable without a
// Runtime API (it checks itself, builds the service, prints its usage and exits), with and
// without GZRS_EXPECT_EXECUTABLE, beside spawnSync of /bin/true; medians of RUNS, alternating.
// Usage: node self-check.mjs EXECUTABLE SIZE:FINGERPRINT [RUNS]
//   (SIZE:FINGERPRINT as the generated class records them for that executable)
import { spawnSync } from "node:child_process";

const [executable, expected, runsArg = "21"] = process.argv.slice(2);
if (!expected) {
  console.error("usage: node self-check.mjs EXECUTABLE SIZE:FINGERPRINT [RUNS]");
  process.exit(2);
}
const env = { ...process.env };
delete env.AWS_LAMBDA_RUNTIME_API;
const quiet = { stdio: ["ignore", "ignore", "ignore"] };
const cases = {
  "/bin/true": () => spawnSync("/bin/true", [], { ...quiet, env }),
  "executable, no self-check": () => spawnSync(executable, [], { ...quiet, env }),
  "executable, self-check": () =>
    spawnSync(executable, [], { ...quiet, env: { ...env, GZRS_EXPECT_EXECUTABLE: expected } }),
};
const checked = spawnSync(executable, [], { encoding: "utf8", env: { ...env, GZRS_EXPECT_EXECUTABLE: expected } });
if (checked.status === 78) throw new Error(`the self-check failed: ${checked.stderr}`);
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < Number(runsArg); i++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = performance.now();
    run();
    times[name].push(performance.now() - start);
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[list.length >> 1];
console.log(`spawnSync to exit, median of ${runsArg}, alternating:`);
for (const [name, list] of Object.entries(times)) console.log(`  ${name.padEnd(28)} ${median(list).toFixed(2)} ms`);
