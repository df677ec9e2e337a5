// Where a wasm request's time goes on genezio-cloud: Genezio's handler in-process
// (cloud-handler.mjs) with the TypeScript class (the floor), the real wasm bundle, and the same
// bundle with its module replaced by a stub that answers every request at once with the real
// module's answer, bytes for bytes, and runs no Rust. The stub's figure is the floor of any
// service behind gzrs's wasm host: Genezio's handler, the host's JavaScript (the request object
// to JSON and into the instance's memory, the answer's head parsed back) and one crossing each
// way. The difference between the stub and the real bundle is the Rust side.
// Usage: node wasm-floor.mjs TYPESCRIPT_TASK WASM_TASK [REQUESTS] [ROUNDS]
//   (unzipped `--cloudAdapter genezio` bundles of examples/hello, as `gzrs bench` leaves them in
//   <target>/gzrs/bench/hello/{typescript,wasm}/cloud/task; needs binaryen's `wasm-as`, which
//   scripts/setup.sh installs)
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [typescript, wasm, requests = "3000", rounds = "7"] = process.argv.slice(2);
if (!wasm) {
  console.error("usage: node wasm-floor.mjs TYPESCRIPT_TASK WASM_TASK [REQUESTS] [ROUNDS]");
  process.exit(2);
}
const here = path.dirname(new URL(import.meta.url).pathname);

// The real module's answer to the request the benchmark sends, as the host hands it on: the stub
// answers the same head, so Genezio's handler does the same work after it.
const real = await answerOf(path.resolve(wasm));
const head = Buffer.from(JSON.stringify({ statusCode: Number(real.statusCode), headers: real.headers, body: real.body }));

const work = mkdtempSync(path.join(os.tmpdir(), "gzrs-wasm-floor-"));
const stubTask = path.join(work, "task");
cpSync(wasm, stubTask, { recursive: true });
const wat = path.join(work, "stub.wat");
writeFileSync(wat, stubModule(head));
const assembled = spawnSync("wasm-as", [wat, "-o", path.join(stubTask, "gzrs", "service.wasm")], { stdio: "inherit" });
if (assembled.error || assembled.status !== 0) {
  throw new Error("wasm-as failed: binaryen is needed for the stub (`apt-get install binaryen`)");
}
// The stub must answer what the real module answers, or the comparison means nothing.
const stubbed = await answerOf(stubTask);
if (JSON.stringify(stubbed) !== JSON.stringify(real)) {
  throw new Error(`the stub answers ${JSON.stringify(stubbed)}, the module ${JSON.stringify(real)}`);
}
const run = spawnSync(
  process.execPath,
  [path.join(here, "cloud-handler.mjs"), "Hello/api", "/", requests, rounds, typescript, wasm, stubTask],
  { stdio: "inherit" },
);
process.exit(run.status ?? 1);

/** What Genezio's handler in `task` answers to `GET /Hello/api/`. */
async function answerOf(task) {
  process.env.LAMBDA_TASK_ROOT = task;
  const { handler } = await import(pathToFileURL(path.join(task, "index.mjs")).href);
  const url = new URL("https://example.com/Hello/api/");
  const answer = await handler(
    { http: { method: "GET", path: url.pathname }, url, headers: { host: "example.com" }, requestTimestampMs: 0 },
    {},
  );
  if (answer.isBase64Encoded || typeof answer.body !== "string") throw new Error("expected a text answer from GET /");
  return answer;
}

// The gzrs-wasm exports the host calls, each doing the least it may: `gzrs_start` answers at
// once through `respond` with the head kept in a data segment.
function stubModule(bytes) {
  const text = [...bytes].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
  return `(module
  (import "gzrs" "respond" (func $respond (param i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 4)
  (data (i32.const 16) "${text}")
  (func (export "_initialize"))
  (func (export "gzrs_init"))
  ;; Requests land past the head; the benchmark's requests are far below the 4 pages.
  (func (export "gzrs_alloc") (param i32) (result i32) (i32.const 65536))
  (func (export "gzrs_start") (param $task i32) (param i32 i32 i32) (result i32)
    (call $respond (local.get $task) (i32.const 16) (i32.const ${bytes.length}) (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.const 1))
  (func (export "gzrs_poll") (param i32) (result i32) (i32.const 1))
  (func (export "gzrs_pending_tasks") (result i32) (i32.const 0))
  (func (export "gzrs_turn"))
  (func (export "gzrs_turn_interrupt") (result i32) (i32.const 0)))
`;
}
