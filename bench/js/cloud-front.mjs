// A local stand-in for genezio-cloud: serves a `genezio bundleClass --cloudAdapter genezio`
// bundle over HTTP the way genezio-cloud calls it. One Node process imports the bundle's
// `index.mjs` (so the class module loads, but the class is constructed lazily, inside the first
// request, by Genezio's own handler), and each HTTP request becomes a genezio-cloud event:
// `{http, url (a URL object), headers, body, isBase64Encoded, requestTimestampMs}`. Requests are
// handled concurrently, as one Node process would. There is no Lambda Runtime API here.
//
// Usage: node cloud-front.mjs BUNDLE_DIR PORT   (PORT 0 picks one; prints `listening PORT`)
//
// `POST /__gzrs/event` hands its JSON body to the handler as the event itself and answers the
// handler's result as JSON: for events no HTTP request makes, like genezio-cloud's cron call
// (a JSON-RPC event whose headers carry `Genezio-Event: cron`, in that case).
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [bundleDir, portArg] = process.argv.slice(2);
if (!bundleDir) {
  console.error("usage: node cloud-front.mjs BUNDLE_DIR [PORT]");
  process.exit(2);
}
process.env.LAMBDA_TASK_ROOT ??= path.resolve(bundleDir);
delete process.env.AWS_LAMBDA_RUNTIME_API; // genezio-cloud has none
const { handler } = await import(pathToFileURL(path.resolve(bundleDir, "index.mjs")).href);

/** A body goes as base64 unless its content type is textual and it is valid UTF-8. */
function isBinary(contentType, body) {
  const essence = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const [type, sub] = essence.split("/");
  const textual =
    type === "text" ||
    (type === "application" && ["json", "ld+json", "x-httpd-php", "x-sh", "x-csh", "xhtml+xml", "xml"].includes(sub));
  if (!textual) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body);
    return false;
  } catch {
    return true;
  }
}

async function answer(request, response) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  if (request.method === "POST" && request.url === "/__gzrs/event") {
    const event = JSON.parse(raw.toString("utf8"));
    event.url = new URL(event.url ?? `http://localhost${event.http?.path ?? "/"}`);
    const result = await handler(event, {});
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(result ?? null));
    return;
  }
  const headers = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const url = new URL(request.url, `http://${request.headers.host ?? "localhost"}`);
  const binary = raw.length > 0 && isBinary(headers["content-type"], raw);
  const event = {
    http: {
      method: request.method,
      path: url.pathname,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: request.socket.remoteAddress,
      userAgent: headers["user-agent"] ?? "",
    },
    url,
    headers,
    body: raw.length === 0 ? undefined : binary ? raw.toString("base64") : raw.toString("utf8"),
    isBase64Encoded: binary,
    requestTimestampMs: Date.now(),
  };
  let result;
  try {
    result = await handler(event, {});
  } catch (error) {
    // genezio-cloud would answer with its own error; make it visible instead.
    result = { statusCode: 502, body: `the handler threw: ${error?.stack ?? error}` };
  }
  const out = {};
  for (const [name, value] of Object.entries(result?.headers ?? {})) out[name] = value;
  let body = result?.body ?? "";
  if (result?.isBase64Encoded && typeof body === "string") body = Buffer.from(body, "base64");
  else if (typeof body !== "string" && !Buffer.isBuffer(body)) body = JSON.stringify(body);
  response.writeHead(Number(result?.statusCode ?? 200), out);
  response.end(body);
}

const server = http.createServer((request, response) => {
  answer(request, response).catch((error) => {
    response.writeHead(502);
    response.end(String(error?.stack ?? error));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg ?? 0), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
