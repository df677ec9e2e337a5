// Where a sidecar request's time goes: the genezio-cloud handler in-process (cloud-handler.mjs)
// for the TypeScript floor, the real native bundle, and the same bundle with its executable
// replaced by sidecar-stub.c, a peer that answers every frame at once and does nothing else. The
// stub's figure is the floor of any sidecar here: Node's side and two process wake-ups a request.
// Usage: node sidecar-floor.mjs TYPESCRIPT_TASK NATIVE_TASK [REQUESTS] [ROUNDS]
//   (unzipped `--cloudAdapter genezio` bundles of examples/hello, as `gzrs bench` leaves them in
//   <target>/gzrs/bench/hello/{typescript,native}/cloud/task; needs a C compiler, `cc`)
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const [typescript, native, requests = "3000", rounds = "7"] = process.argv.slice(2);
if (!native) {
  console.error("usage: node sidecar-floor.mjs TYPESCRIPT_TASK NATIVE_TASK [REQUESTS] [ROUNDS]");
  process.exit(2);
}
const here = path.dirname(new URL(import.meta.url).pathname);
const work = mkdtempSync(path.join(os.tmpdir(), "gzrs-sidecar-floor-"));
const stubTask = path.join(work, "task");
cpSync(native, stubTask, { recursive: true });
const stub = path.join(stubTask, "gzrs", "service-x86_64");
const cc = spawnSync("cc", ["-O2", "-o", stub, path.join(here, "sidecar-stub.c")], { stdio: "inherit" });
if (cc.status !== 0) throw new Error("cc failed: a C compiler is needed for the stub");
// The class records the executable's size; the stub's takes its place.
const modulePath = path.join(stubTask, "module.mjs");
const patched = readFileSync(modulePath, "utf8").replace(
  /("x86_64": \{\s*path: "\.\/gzrs\/service-x86_64",\s*size: )\d+/,
  `$1${statSync(stub).size}`,
);
writeFileSync(modulePath, patched);
const run = spawnSync(
  process.execPath,
  [path.join(here, "cloud-handler.mjs"), "Hello/api", "/", requests, rounds, typescript, native, stubTask],
  { stdio: "inherit" },
);
process.exit(run.status ?? 1);
