// Serves ./handler.mjs with Node's own HTTP server: `node server.mjs` listens on $PORT (default
// 8080) on $HOST (default every interface, as a container needs), and stops cleanly on SIGINT
// or SIGTERM. Node has no built-in server for a fetch handler; this is the small adapter, with
// no dependency to install (Deno, Bun and workerd serve handler.mjs themselves).
import http from "node:http";
import { Readable } from "node:stream";
import handler from "./handler.mjs";

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? "0.0.0.0";
/** A body of known length up to this is read whole (the fetch handler takes it whole too). */
const WHOLE_BODY_BYTES = 64 * 1024;

const server = http.createServer(async (req, res) => {
  // A client that goes away: the handler's signal aborts, and a body being sent is cancelled.
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  try {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    // A small body whole; any other streams to the handler as it arrives (the handler
    // refuses one over the service's limit).
    let body;
    let duplex;
    if (req.method !== "GET" && req.method !== "HEAD") {
      const length = req.headers["content-length"];
      if (length !== undefined && Number(length) <= WHOLE_BODY_BYTES) {
        body = await readBody(req);
      } else {
        body = Readable.toWeb(req);
        duplex = "half";
      }
    }
    const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
      method: req.method,
      headers,
      body,
      duplex,
    });
    // The client's going away reaches the handler as `ctx.signal`: a Request made with a signal
    // costs Node tens of microseconds.
    const context = { waitUntil() {}, passThroughOnException() {}, signal: gone.signal };
    await send(res, await handler.fetch(request, process.env, context), gone.signal);
  } catch (error) {
    console.error(`gzrs: ${req.method} ${req.url} failed: ${error?.stack ?? error}`);
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `gzrs: the request failed: ${error?.message ?? error}` }));
    } else {
      res.destroy();
    }
  }
});

/** The whole body (its length is known and small). */
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Sends `response`: a body of known length in one write, one still being produced chunk by
 * chunk as it comes (each written at once, the next read only once the client has taken enough),
 * until it ends or `gone` aborts.
 */
async function send(res, response, gone) {
  const headers = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (!response.body) {
    res.writeHead(response.status, headers);
    return res.end();
  }
  // A body whose length is known (the fetch handler gives a whole body's) goes in one write.
  if (response.headers.has("content-length")) {
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, headers);
    return res.end(body);
  }
  // One still being produced goes chunk by chunk as it comes.
  const reader = response.body.getReader();
  gone.addEventListener("abort", () => reader.cancel().catch(() => {}));
  res.writeHead(response.status, headers);
  let next = reader.read();
  for (;;) {
    let chunk;
    try {
      chunk = await next;
    } catch {
      // The service's body failed: end the response without a clean last chunk.
      return res.destroy();
    }
    if (chunk.done) return res.end();
    // Written at once; the next read waits while the client has enough unread (backpressure).
    if (!res.write(chunk.value)) await drained(res);
    next = reader.read();
  }
}

/** Settles once `res` can take more, or is closed. */
function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`gzrs: serving on http://${host === "0.0.0.0" ? "localhost" : host}:${bound}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // Requests in flight get a moment to finish.
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
