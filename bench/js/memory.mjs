// Peak memory of a process serving a gzrs wasm module under load: ROUNDS rounds of 10 requests
// in flight (half `GET /CLASS/METHOD/`, half 1 KB `POST .../echo`), through the host as the
// generated class calls it. Prints the instance's memory, the process's RSS at the end and its
// peak RSS (`maxRSS`, kB): what V8 spends on compiling and tiering up the module shows there.
// Usage: node memory.mjs PROJECT [CLASS/METHOD] [ROUNDS]   (PROJECT: a `gzrs build --mode wasm`
// output; run it in several fresh processes and compare medians)
import path from "node:path";
import { pathToFileURL } from "node:url";

const [project, prefix = "Hello/api", roundsArg = "500"] = process.argv.slice(2);
const dir = path.join(project, "server", "gzrs");
const { WasmHost } = await import(pathToFileURL(path.join(dir, "wasm-host.mjs")).href);
const host = WasmHost.load(pathToFileURL(dir + "/").href, "./service.wasm");
await host.whenReady();

const body = "x".repeat(1000);
const request = (k) =>
  k % 2
    ? { http: { method: "GET", path: `/${prefix}/` }, headers: { host: "localhost" } }
    : {
        http: { method: "POST", path: `/${prefix}/echo` },
        headers: { host: "localhost", "content-type": "text/plain" },
        body,
        rawBody: body,
      };
for (let round = 0; round < Number(roundsArg); round++) {
  const answers = await Promise.all(Array.from({ length: 10 }, (_, k) => host.handle(request(k))));
  const failed = answers.find((answer) => Number(answer.statusCode) >= 500);
  if (failed) throw new Error(`a request failed: ${JSON.stringify(failed).slice(0, 300)}`);
}
console.log(
  `instance memory ${host.tables.memoryBytes} B, RSS ${process.memoryUsage().rss} B, ` +
    `peak RSS ${process.resourceUsage().maxRSS} kB`,
);
