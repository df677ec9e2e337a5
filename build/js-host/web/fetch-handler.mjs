// gzrs's fetch handler: the service as `export default { fetch }`, the one interface of Node (with
// ../server.mjs), Deno, Bun and Cloudflare's workerd. It turns a standard Request into the
// request object gzrs-core reads (the target as received, the headers, the body's bytes as they
// are) and the answer back into a Response; what a request means is gzrs-core's to decide. The
// service runs in ./core/wasm-service.mjs. How the module is had is the entry's (each platform's
// own small file: a wasm import where the runtime or its bundler takes one, a file read
// elsewhere), so no platform's bundler meets an import meant for another; the environment and the
// runtime's quirks are feature-detected here.
import { WasmService } from "./core/wasm-service.mjs";
import { bodyOverLimit, compactHead } from "./core/protocol.mjs";

// Written in by `gzrs build`.
const GZRS_VERSION = "{{ version }}";
/** A body's length in bytes: bytes as they are, text as UTF-8. */
function byteLength(body) {
  return typeof body === "string" ? new TextEncoder().encode(body).length : body.length;
}

/**
 * A request body of known length up to this is read whole and handed over in one piece (the
 * common case: one crossing, no stream); a longer one, or one of unknown length, streams into the
 * service as it arrives.
 */
const WHOLE_BODY_BYTES = 64 * 1024;

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const WORKERS = globalThis.navigator?.userAgent === "Cloudflare-Workers";
const BUN = Boolean(globalThis.Bun);
const NODE = !WORKERS && !BUN && !globalThis.Deno && Boolean(globalThis.process?.versions?.node);

/** Which runtime this is, for the start line. */
function runtimeName() {
  if (WORKERS) return "workerd";
  if (globalThis.Deno) return "deno";
  if (globalThis.Bun) return "bun";
  if (globalThis.process?.versions?.node) return "node";
  return "unknown runtime";
}

/** The environment std::env reads: the runtime's own, or on Workers the `env` bindings' strings. */
function environment(bindings) {
  if (WORKERS) {
    return Object.fromEntries(Object.entries(bindings ?? {}).filter(([, v]) => typeof v === "string"));
  }
  if (globalThis.Deno?.env) {
    try {
      return globalThis.Deno.env.toObject();
    } catch (error) {
      // Run without --allow-env: std::env sees an empty environment, and the log says why.
      console.log(`gzrs: the service's environment is empty: run deno with --allow-env to pass it (${error.name})`);
      return {};
    }
  }
  return { ...(globalThis.process?.env ?? {}) };
}

/**
 * The handler for the service.
 * @param options.module the service's compiled `WebAssembly.Module`, or a function answering a
 *   promise of it (or of its bytes): called once, when the handler starts
 * @param options.basePath the path the service is served under (`""`: at `/`)
 * @param options.requestBodyLimit the largest request body the service takes, in bytes; a larger
 *   one is answered 413 (by its `content-length` at once, else when it goes past)
 * @param options.crons the class's cron jobs, `{ schedule, method }` each: run by `scheduled`
 *   on Workers, registered with `Deno.cron` under Deno (with `--unstable-cron`), and listed as
 *   `crons` for any other scheduler to call `scheduled({ cron: schedule })` with
 */
export function createFetchHandler({ module, basePath = "", crons = [], requestBodyLimit = 100 * 1024 * 1024 } = {}) {
  let service;
  const start = (bindings) => {
    console.log(`gzrs: wasm mode, fetch handler, ${runtimeName()}, gzrs ${GZRS_VERSION}`);
    let compiled;
    try {
      const had = typeof module === "function" ? module() : module;
      compiled = had;
      // Under `deno serve` (Deno 2.9), an instance made while the entry is evaluated, or within a
      // request, never sees the chunks of its first streamed request body: made in a task of its
      // own, it does.
      if (globalThis.Deno) compiled = new Promise((resolve) => setTimeout(() => resolve(had), 0));
    } catch (error) {
      compiled = `gzrs: the service's wasm module cannot be loaded (${error.message})`;
    }
    return new WasmService(compiled, { env: () => environment(bindings) });
  };
  // Off Workers the module is compiled at import, overlapping the rest of the start; Workers
  // hand over the environment only with a request, so there it starts with the first one.
  if (!WORKERS) service = start();

  /** Runs the cron jobs whose schedule is `schedule`; a failure is logged, as Genezio does. */
  const runJobs = async (schedule) => {
    for (const { method } of crons.filter((job) => job.schedule === schedule)) {
      try {
        await service.call(method, []);
      } catch (error) {
        console.error(`gzrs: the cron job ${method} (${schedule}) failed: ${error.message}`);
      }
    }
  };
  if (typeof globalThis.Deno?.cron === "function") {
    for (const { schedule, method } of crons) {
      try {
        globalThis.Deno.cron(`gzrs ${method}`, schedule, () => runJobs(schedule));
      } catch (error) {
        console.error(`gzrs: the cron job ${method} is not scheduled (${error.message}); run deno with --unstable-cron`);
      }
    }
  }

  return {
    crons,
    /** Workers' cron entry (`controller.cron` is the schedule that fired). */
    async scheduled(controller, env, ctx) {
      service ??= start(env);
      const done = runJobs(controller.cron);
      ctx?.waitUntil?.(done);
      await done;
    },
    async fetch(request, env, ctx) {
      service ??= start(env);
      const declared = request.headers.get("content-length");
      const length = declared === null ? undefined : Number(declared);
      if (length > requestBodyLimit) {
        // Read to the end, unkept: a client still sending would otherwise see its connection
        // cut instead of the answer (workerd cuts it).
        await request.body?.pipeTo(new WritableStream()).catch(() => {});
        return toResponse(bodyOverLimit(requestBodyLimit));
      }
      // A small body whole; any other streams in as the service reads it.
      let body;
      if (request.body) {
        body = length <= WHOLE_BODY_BYTES ? new Uint8Array(await request.arrayBuffer()) : request.body;
      }
      const head = compactHead(request.method, request.url, basePath, request.headers);
      // The client's going away: the request's signal, or server.mjs's (Node's is never aborted).
      const signal = ctx?.signal ?? request.signal;
      const answer = service.handle(head, body, false, request.method, signal, requestBodyLimit);
      // Most answers are ready at once; on Workers, this request fires the instance's timers
      // while it waits for one that is not.
      const response =
        answer instanceof Promise ? await (WORKERS ? whileDrivingTimers(service, answer) : answer) : answer;
      // What goes on after the response (a body still being produced, work the service spawned)
      // runs while this request's context lives: Workers keep it for `waitUntil`.
      if (WORKERS && (response.finished || service.backgroundTasks > 0)) {
        ctx?.waitUntil?.(whileDrivingTimers(service, afterResponse(service, response)));
      }
      return toResponse(response);
    },
  };
}

/**
 * `answer`, once it settles; meanwhile this request fires the instance's tokio timer when it is
 * due, from its own context. Workers cancel a timeout when the request that set it ends, and the
 * instance is shared: a timer one request armed may be the one another request waits for.
 */
async function whileDrivingTimers(service, answer) {
  let settled = false;
  answer.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    const due = service.timerDue;
    // With no timer armed, a timer another request arms is looked at within 100 ms.
    const wait = due === undefined ? 100 : Math.min(Math.max(due - Date.now(), 0), 100);
    await Promise.race([answer, new Promise((resolve) => setTimeout(resolve, wait))]);
    service.fireDueTimer();
  }
  return answer;
}

/**
 * Settles when what `response` leaves running has ended: its body, if it is still being
 * produced, then the tasks the service spawned (for at most Workers' 30 s after a response).
 */
async function afterResponse(service, response) {
  await response.finished;
  const deadline = Date.now() + 30_000;
  while (service.backgroundTasks > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * An answer as a standard Response: the service's (headers as [name, value] pairs; its body
 * bytes, or a ReadableStream the service is still writing), or one the host made itself (an
 * error object, its headers an object).
 */
function toResponse(answer) {
  const headers = Array.isArray(answer.headers) ? answer.headers : Object.entries(answer.headers ?? {});
  const status = Number(answer.statusCode ?? 200);
  const init = { status, headers };
  // On Node, a whole body's length, so that server.mjs sends it in one write (the other
  // runtimes count it themselves); a body still being produced has none.
  if (NODE && answer.body?.length !== undefined && !NULL_BODY.has(status)) {
    if (!headers.some(([name]) => name.toLowerCase() === "content-length")) {
      init.headers = [...headers, ["content-length", String(byteLength(answer.body))]];
    }
  }
  // Workers encode a body as its `content-encoding` says unless told it already is: a body the
  // service compressed (tower-http's CompressionLayer) would be compressed twice.
  if (WORKERS && headers.some(([name]) => name.toLowerCase() === "content-encoding")) init.encodeBody = "manual";
  let body = NULL_BODY.has(status) ? null : answer.body;
  // Bun types a byte body the service left untyped `application/octet-stream`; a stream it
  // sends as it is.
  if (BUN && body?.length > 0 && !headers.some(([name]) => name.toLowerCase() === "content-type")) {
    const bytes = body;
    body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }
  return new Response(body, init);
}
