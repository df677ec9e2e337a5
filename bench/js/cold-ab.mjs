// Cold starts of unzipped Genezio bundles against each other, alternating, on either provider's
// model: spawn to ready (aws: the first `next` at a stub Runtime API; cloud: cloud-front.mjs
// listening) and spawn to the first response of `GET /CLASS/METHOD/`. Prints each bundle's
// medians and the median of its paired differences to the first bundle's, round by round.
// Usage: node cold-ab.mjs aws|cloud CLASS/METHOD ROUNDS NAME=TASK_ROOT...
//   (aws: `genezio bundleClass --cloudAdapter aws` bundles, run by aws-lambda-ric from
//   tests/node or AWS_LAMBDA_RIC=path; cloud: `--cloudAdapter genezio` bundles). COLD_AB_DEBUG=1
//   shows the runtime's output and the stub Runtime API's requests.
import http from "node:http";
import { spawn } from "node:child_process";

const [model, classMethod, roundsArg, ...specs] = process.argv.slice(2);
if (!["aws", "cloud"].includes(model) || specs.length === 0) {
  console.error("usage: node cold-ab.mjs aws|cloud CLASS/METHOD ROUNDS NAME=TASK_ROOT...");
  process.exit(2);
}
const ric =
  process.env.AWS_LAMBDA_RIC ?? new URL("../../tests/node/node_modules/.bin/aws-lambda-ric", import.meta.url).pathname;
const front = new URL("./cloud-front.mjs", import.meta.url).pathname;
const path = `/${classMethod}/`;
const event = JSON.stringify({
  version: "2.0",
  rawPath: path,
  rawQueryString: "",
  headers: { host: "localhost", "user-agent": "cold-ab", accept: "*/*" },
  requestContext: { http: { method: "GET", path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "cold-ab" } },
  isBase64Encoded: false,
});

/** aws: a stub Runtime API hands out one event; [ms to the first next, ms to its response]. */
function awsOnce(task) {
  return new Promise((resolve, reject) => {
    let start, child, ready;
    const server = http.createServer((req, res) => {
      if (process.env.COLD_AB_DEBUG) console.error(req.method, req.url);
      if (req.url.endsWith("/invocation/next")) {
        if (ready !== undefined) return; // a second poll: left hanging, the process is killed
        ready = performance.now() - start;
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(event),
          "lambda-runtime-aws-request-id": "r1",
          "lambda-runtime-deadline-ms": String(Date.now() + 60000),
          "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:000000000000:function:cold-ab",
        });
        res.end(event);
      } else if (req.url.includes("/invocation/r1/")) {
        const first = performance.now() - start;
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          res.end();
          server.close();
          try { process.kill(-child.pid, "SIGKILL"); } catch {}
          if (!req.url.endsWith("/response") || JSON.parse(body).statusCode >= 400) reject(new Error(`${task}: ${body}`));
          else resolve([ready, first]);
        });
      } else res.end();
    });
    server.listen(0, "127.0.0.1", () => {
      start = performance.now();
      child = spawn(ric, ["index.handler"], {
        cwd: task,
        detached: true,
        stdio: process.env.COLD_AB_DEBUG ? "inherit" : "ignore",
        env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`, LAMBDA_TASK_ROOT: task, _HANDLER: "index.handler" },
      });
      setTimeout(() => reject(new Error(`${task}: no response in 20 s`)), 20000).unref();
    });
  });
}

/** cloud: cloud-front.mjs on the bundle; [ms to listening, ms to the first response]. */
async function cloudOnce(task) {
  const start = performance.now();
  const env = { ...process.env };
  delete env.AWS_LAMBDA_RUNTIME_API;
  const child = spawn(process.execPath, [front, task, "0"], { cwd: task, detached: true, stdio: ["ignore", "pipe", "ignore"], env });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      const m = (out += d).match(/listening (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", () => reject(new Error(`${task}: the front exited`)));
  });
  const ready = performance.now() - start;
  const status = await new Promise((resolve, reject) =>
    http.get({ port, path, agent: false }, (res) => res.resume().on("end", () => resolve(res.statusCode))).on("error", reject),
  );
  const first = performance.now() - start;
  try { process.kill(-child.pid, "SIGKILL"); } catch {}
  if (status >= 400) throw new Error(`${task}: first response ${status}`);
  return [ready, first];
}

const once = model === "aws" ? awsOnce : cloudOnce;
const runs = specs.map((spec) => {
  const at = spec.indexOf("=");
  return { name: spec.slice(0, at), task: spec.slice(at + 1), ready: [], first: [] };
});
for (let round = 0; round < Number(roundsArg); round++) {
  for (const run of runs) {
    const [ready, first] = await once(run.task);
    run.ready.push(ready);
    run.first.push(first);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const median = (list) => [...list].sort((x, y) => x - y)[list.length >> 1];
const signed = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
const [base] = runs;
const readyLabel = model === "aws" ? "to init done" : "to listening";
console.log(`${model} model, median of ${roundsArg} rounds (paired difference to ${base.name} in brackets):`);
for (const run of runs) {
  const dr = median(run.ready.map((x, i) => x - base.ready[i]));
  const df = median(run.first.map((x, i) => x - base.first[i]));
  console.log(
    `  ${run.name.padEnd(12)} ${readyLabel} ${median(run.ready).toFixed(1)} ms (${signed(dr)})   to first response ${median(run.first).toFixed(1)} ms (${signed(df)})`,
  );
}
process.exit(0);
