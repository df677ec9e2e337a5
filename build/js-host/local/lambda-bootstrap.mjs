// A minimal Node runtime loop for the Lambda Runtime API, for running a Genezio bundle locally
// when AWS's own client (`aws-lambda-ric`) is not installed. It does what a Lambda's Node runtime
// does, in the same order: import the handler module (init: a gzrs native class traps here),
// then poll `next`, call the handler, post its response or error.
//
// Usage: AWS_LAMBDA_RUNTIME_API=host:port LAMBDA_TASK_ROOT=DIR node lambda-bootstrap.mjs [index.handler]
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const api = process.env.AWS_LAMBDA_RUNTIME_API;
if (!api) {
  console.error("lambda-bootstrap: AWS_LAMBDA_RUNTIME_API is not set");
  process.exit(2);
}
const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const spec = process.argv[2] ?? process.env._HANDLER ?? "index.handler";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, route, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `http://${api}/2018-06-01/runtime${route}`,
      { method, agent, headers: body === undefined ? {} : { "content-type": "application/json" } },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

function errorBody(error, type) {
  return JSON.stringify({
    errorType: error?.name ?? type,
    errorMessage: error?.message ?? String(error),
    trace: String(error?.stack ?? "").split("\n"),
  });
}

let handler;
try {
  const dot = spec.lastIndexOf(".");
  const [file, name] = [spec.slice(0, dot), spec.slice(dot + 1)];
  let module;
  try {
    module = await import(pathToFileURL(path.join(root, `${file}.mjs`)).href);
  } catch (error) {
    if (error.code !== "ERR_MODULE_NOT_FOUND") throw error;
    module = await import(pathToFileURL(path.join(root, `${file}.js`)).href);
  }
  handler = module[name];
  if (typeof handler !== "function") throw new Error(`${spec} is not a function`);
} catch (error) {
  console.error("lambda-bootstrap: init failed:", error);
  await call("POST", "/init/error", errorBody(error, "Runtime.ImportModuleError")).catch(() => {});
  process.exit(1);
}

for (;;) {
  const next = await call("GET", "/invocation/next");
  const id = next.headers["lambda-runtime-aws-request-id"];
  const context = {
    awsRequestId: id,
    invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
    getRemainingTimeInMillis: () => Number(next.headers["lambda-runtime-deadline-ms"]) - Date.now(),
  };
  try {
    const result = await handler(JSON.parse(next.body.toString("utf8")), context);
    await call("POST", `/invocation/${id}/response`, JSON.stringify(result ?? null));
  } catch (error) {
    await call("POST", `/invocation/${id}/error`, errorBody(error, "Error"));
  }
}
