// The trap's whole init, two task roots against each other: spawn of aws-lambda-ric to the first
// `next` reaching a stub Runtime API, alternating, with the median of the paired differences.
// Usage: node trap-ab.mjs TASK_ROOT_A TASK_ROOT_B [RUNS]   (unzipped aws bundles of native projects;
// aws-lambda-ric from tests/node, or AWS_LAMBDA_RIC=path)
import http from "node:http";
import { spawn } from "node:child_process";
const ric =
  process.env.AWS_LAMBDA_RIC ??
  new URL("../../tests/node/node_modules/.bin/aws-lambda-ric", import.meta.url).pathname;
const [a, b, runsArg] = process.argv.slice(2);
function once(task) {
  return new Promise((resolve, reject) => {
    let start, child;
    const server = http.createServer((req, res) => {
      if (req.url.endsWith("/invocation/next")) {
        const elapsed = performance.now() - start;
        res.destroy();
        server.close();
        try { process.kill(-child.pid, "SIGKILL"); } catch {}
        resolve(elapsed);
      } else res.end();
    });
    server.listen(0, "127.0.0.1", () => {
      start = performance.now();
      child = spawn(ric, ["index.handler"], { cwd: task, detached: true, stdio: "ignore",
        env: { ...process.env, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`, LAMBDA_TASK_ROOT: task, _HANDLER: "index.handler" } });
      setTimeout(() => reject(new Error("no next in 10 s")), 10000).unref();
    });
  });
}
const runs = Number(runsArg ?? 21), t = { a: [], b: [] };
for (let i = 0; i < runs; i++) { t.a.push(await once(a)); t.b.push(await once(b)); }
const med = (l) => [...l].sort((x, y) => x - y)[l.length >> 1];
const diffs = t.a.map((x, i) => x - t.b[i]);
console.log(`spawn to first next, median of ${runs}: ${a}: ${med(t.a).toFixed(1)} ms, ${b}: ${med(t.b).toFixed(1)} ms; median paired difference ${med(diffs).toFixed(2)} ms`);
process.exit(0);
