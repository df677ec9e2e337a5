// gzrs wasm service host, platform-neutral: runs a gzrs service compiled to wasm32-wasip1 and
// hands it requests as gzrs-core reads them. It needs nothing of any one runtime (no `node:`
// module; Node's Buffer only where there is one), so every adapter shares it: Genezio's class
// (../wasm-host.mjs) and the fetch handler for Node, Deno, Bun and workerd (../web/fetch-handler.mjs).
//
// The instance (gzrs-wasm) exports `gzrs_start(task, buffer, metaLength, bodyLength)` and
// `gzrs_poll(task)`, and answers a finished task through the `respond` import, or a compact
// request's body that is not complete at once through `respond_head`, `respond_chunk`s and
// `respond_end` (its answer's body is then a ReadableStream; `gzrs_cancel` drops it when the
// reader goes away). A request body that streams (a ReadableStream) starts with
// `gzrs_start_streamed` and is read as the service asks for it (`request_body_read`), each chunk
// handed over with `gzrs_body_chunk` and its end with `gzrs_body_end`; this file is the
// scheduler for those tasks, the host of gzrs-platform's calls (timers, fetch), and the driver of
// tokio's timers (see wasm-adapter/src/turns.rs). WASI calls are answered by ./wasi.mjs. Every
// call into the instance happens inside a try/catch, so a panic (a trap) always lands in
// `#recover`: the requests in flight on the dead instance answer 500 and a fresh instance, from
// the same compiled module, serves the next one.
import { callObject, callResult, callTooLarge, compactResponse, errorResponse, oversizedBody } from "./protocol.mjs";
import { createWasi } from "./wasi.mjs";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Methods a request may be repeated with (RFC 9110, 9.2.2): retried after another's panic. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
/** How often one request may be run again because other requests' panics ended its instance. */
const MAX_RETRIES = 3;
/** Waits this long or longer are tokio's idle probe, not a timer anybody set. */
const IDLE_PARK_MS = 3_600_000;
/**
 * What a request waiting on an instance that trapped is answered with when it may run again: it
 * runs again as its own continuation, in its own request's context (Workers cancel what one
 * request's context leaves to another's that has ended).
 */
const RUN_AGAIN = Symbol("gzrs: run again");
/**
 * How much of a streamed answer's body the host holds unread before the instance waits for the
 * client to read (backpressure): enough that small events never wait.
 */
const STREAM_BUFFER_BYTES = 64 * 1024;

export class WasmService {
  #module;
  #ready; // settles once the module is compiled (and, if it could be, instantiated)
  #unavailable; // why the module can never run here, once that is known
  #exports;
  #wasi;
  #generation = 0; // bumped per instance, so answers meant for a dead one are dropped
  #pending = new Map(); // task id -> resolve
  #streams = new Map(); // task id -> the controller of its answer's body, while it streams
  #bodies = new Map(); // task id -> the reader of its request's streamed body, while it is read
  #held = new Set(); // streaming tasks waiting for their client to read (backpressure)
  #finished = undefined; // the response `respond` gave during the current call, if any
  #lastTask = 0; // ids only grow, so a stale wake-up from a dead instance never hits a live task
  #scheduled = new Set();
  #lastPanic = undefined;
  #timer = undefined; // tokio's next timer
  #timerDue = undefined; // when it is due (Date.now() time), while one is armed
  #hostCalls = new Map(); // gzrs-platform call id -> how to cancel it
  /** How many times the instance was re-created after a trap. */
  resets = 0;
  /** Requests run again after another request's panic ended the instance they were on. */
  retried = 0;

  #platform;

  /**
   * A service that runs as soon as `module` is compiled. Never throws: requests that arrive
   * earlier wait for it, and a module that cannot be had or compiled, or a service that fails to
   * start, answers every request with a 500 saying why.
   * @param module a promise of the compiled `WebAssembly.Module` (or of its bytes); or, when
   *   the module cannot be had at all, a string saying why
   * @param platform what differs between runtimes: `env` (an object, or a function answering
   *   it when std first asks), `random(bytes)`, `monotonicNs()` (see ./wasi.mjs), and
   *   `binaryBody(view)`, which makes a response's binary body out of a view of the instance's
   *   memory (a copy, by default a Uint8Array)
   */
  constructor(module, platform = {}) {
    this.#platform = platform;
    if (typeof module === "string") {
      this.#unavailable = module;
      return;
    }
    this.#ready = Promise.resolve(module)
      .then((compiled) => (compiled instanceof WebAssembly.Module ? compiled : WebAssembly.compile(compiled)))
      .then(
        (compiled) => {
          this.#module = compiled;
          try {
            this.#instantiate();
          } catch (error) {
            // The first request tries again, and answers why if it fails the same way.
            console.error(error.message);
          }
        },
        (error) => {
          // A module that did not compile was damaged on its way; one that could not be read
          // says why itself (a missing permission, a missing file).
          this.#unavailable =
            error instanceof WebAssembly.CompileError
              ? `gzrs: the service's wasm module cannot be compiled (${error.message}). Rebuild it with \`gzrs build\` and deploy it again.`
              : `gzrs: the service's wasm module cannot be loaded: ${error.message}`;
          console.error(this.#unavailable);
        },
      );
  }

  /**
   * Answers one request: `meta`, the request's head (the request object's JSON without its
   * body, or a compact head from `compactHead`, answered with headers as [name, value] pairs
   * and the body as bytes); `rawBody`, the
   * body (text, or bytes as they are), or undefined, or with a compact head a ReadableStream of
   * its bytes, read as the service reads it and cut off past `bodyLimit` bytes; `base64`,
   * whether text is base64; `method`, the HTTP method (which decides whether it may run again
   * after another request's panic: a streamed body never does, as it is read once).
   * The answer is a response object (or a promise of one, when it is not ready at once), its
   * binary body (if any) made by `platform.binaryBody`.
   */
  handle(meta, rawBody, base64, method, signal, bodyLimit) {
    if (!this.#module) {
      if (this.#unavailable) return errorResponse(500, this.#unavailable);
      return this.#ready.then(() => this.handle(meta, rawBody, base64, method, signal, bodyLimit));
    }
    if (rawBody instanceof ReadableStream) {
      return this.#runAgainWhenAsked({ meta, body: rawBody, bodyLimit, retries: 0, signal });
    }
    const oversized = oversizedBody(rawBody, base64);
    if (oversized) return oversized;
    return this.#runAgainWhenAsked({ meta, rawBody, retries: IDEMPOTENT.has(method) ? MAX_RETRIES : 0, signal });
  }

  /**
   * `#run`, and again (as this request's own continuation) each time its instance is lost: the
   * answer itself when it was ready at once, else a promise of it.
   */
  #runAgainWhenAsked(job) {
    const answer = this.#run(job);
    if (!(answer instanceof Promise)) return answer;
    return answer.then((settled) => (settled === RUN_AGAIN ? this.#runAgainWhenAsked(job) : settled));
  }

  /**
   * Calls the service's typed method `method` with `params` (its arguments, in order): its
   * result, or a thrown Error with the method's error message (a panic's included). A call is
   * never run again after another request's panic: it may have had effects.
   */
  async call(method, params) {
    if (!this.#module) {
      if (this.#unavailable) throw new Error(this.#unavailable);
      await this.#ready;
      return this.call(method, params);
    }
    const [meta, rawBody] = callObject(method, params);
    const tooLarge = callTooLarge(rawBody);
    if (tooLarge) throw tooLarge;
    return callResult(await this.#run({ meta, rawBody, retries: 0 }));
  }

  /**
   * Runs one request (`job`: its marshalled object, and how often it may yet be retried): the
   * answer itself when it is ready during the first poll (most are), else a promise of it.
   */
  #run(job) {
    const task = (this.#lastTask = (this.#lastTask + 1) >>> 0);
    let done;
    try {
      if (!this.#exports) this.#instantiate();
      done = job.body
        ? this.#startStreamed(task, job.meta, job.body, job.bodyLimit)
        : this.#startTask(task, job.meta, job.rawBody);
    } catch (error) {
      return this.#recover(error, task);
    }
    // Most handlers finish on their first poll (or send a streamed answer's head during it). A
    // wake-up during it is safe to register after: it only queues a microtask, and none runs
    // before this function returns.
    const finished = this.#takeFinished();
    if (done || finished) return finished;
    return new Promise((resolve) => {
      this.#pending.set(task, { resolve, job });
      // A client that leaves before the answer: its future is dropped.
      job.signal?.addEventListener("abort", () => {
        if (!this.#pending.delete(task)) return;
        this.#cancel(task);
        resolve(errorResponse(499, "gzrs: the client went away"));
      });
    });
  }

  /** Drops task `task` in the instance (its client went away). */
  #cancel(task) {
    this.#streams.get(task)?.ended();
    this.#streams.delete(task);
    this.#held.delete(task);
    this.#stopReading(task);
    this.#enter(() => this.#exports.gzrs_cancel(task));
  }

  /** Stops reading task `task`'s request body, if it streams and is not read to its end. */
  #stopReading(task) {
    const reader = this.#bodies.get(task);
    if (!reader) return;
    this.#bodies.delete(task);
    reader.cancel().catch(() => {});
  }

  /**
   * Task `task`'s request body is wanted: its next chunk is read and handed to the instance that
   * asked (`live`), or its end. A chunk nobody reads any more stops the reading.
   */
  #readBody(task, live) {
    const reader = this.#bodies.get(task);
    if (!reader) return;
    const stillWanted = () => live() && this.#bodies.get(task) === reader;
    reader.read().then(
      ({ done, value }) => {
        if (!stillWanted()) return;
        if (done) {
          this.#bodies.delete(task);
          return this.#enter(() => this.#exports.gzrs_body_end(task, 0));
        }
        const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
        this.#enter(() => {
          const ptr = this.#exports.gzrs_alloc(bytes.length);
          new Uint8Array(this.#exports.memory.buffer, ptr, bytes.length).set(bytes);
          if (this.#exports.gzrs_body_chunk(task, ptr, bytes.length) === 0) this.#stopReading(task);
        });
      },
      () => {
        if (!stillWanted()) return;
        this.#bodies.delete(task);
        this.#enter(() => this.#exports.gzrs_body_end(task, 1));
      },
    );
  }

  /** Settles when the module is compiled and, if the service could start, instantiated. */
  whenReady() {
    return this.#ready ?? Promise.resolve();
  }

  /** Tasks the service spawned on tokio that are still alive (work outliving a response). */
  get backgroundTasks() {
    return this.#exports?.gzrs_background_tasks?.() ?? 0;
  }

  /** Requests in flight on the current instance. */
  get inFlight() {
    return this.#pending.size;
  }

  /**
   * What the host and the instance hold for requests in flight, for the soak to check it all
   * returns to zero: tasks on both sides, wake-ups queued, platform calls (timers, fetches)
   * open, and the instance's memory (which a wasm instance never gives back).
   */
  get tables() {
    return {
      pending: this.#pending.size,
      streams: this.#streams.size,
      bodies: this.#bodies.size,
      held: this.#held.size,
      instanceTasks: this.#exports?.gzrs_pending_tasks?.() ?? 0,
      scheduled: this.#scheduled.size,
      hostCalls: this.#hostCalls.size,
      memoryBytes: this.#exports?.memory.buffer.byteLength ?? 0,
    };
  }

  // The request object's JSON then its raw body, written straight into one buffer the instance
  // allocated: one copy in, and the instance owns the bytes from then on.
  #startTask(task, meta, rawBody) {
    const exports = this.#exports;
    const metaBytes = utf8Scratch(meta);
    if (typeof rawBody === "string" && !globalThis.Buffer) rawBody = encoder.encode(rawBody);
    const text = typeof rawBody === "string";
    const bodyLength = rawBody === undefined ? -1 : text ? Buffer.byteLength(rawBody, "utf8") : rawBody.length;
    const total = metaBytes.length + Math.max(bodyLength, 0);
    const ptr = exports.gzrs_alloc(total);
    const memory = new Uint8Array(exports.memory.buffer);
    memory.set(metaBytes, ptr);
    if (bodyLength > 0) {
      // Node's Buffer writes a string's UTF-8 in place; elsewhere the bytes were made above.
      if (text) Buffer.from(exports.memory.buffer).write(rawBody, ptr + metaBytes.length, bodyLength, "utf8");
      else memory.set(rawBody, ptr + metaBytes.length);
    }
    return exports.gzrs_start(task, ptr, metaBytes.length, bodyLength) === 1;
  }

  // A streamed request: its compact head into a buffer the instance allocated, and its body read
  // as the service asks for it.
  #startStreamed(task, meta, body, limit) {
    const exports = this.#exports;
    const metaBytes = utf8Scratch(meta);
    const ptr = exports.gzrs_alloc(metaBytes.length);
    new Uint8Array(exports.memory.buffer).set(metaBytes, ptr);
    this.#bodies.set(task, body.getReader());
    const done = exports.gzrs_start_streamed(task, ptr, metaBytes.length, limit) === 1;
    // Answered without reading all of it: the rest is not wanted.
    if (done) this.#stopReading(task);
    return done;
  }

  #takeFinished() {
    const response = this.#finished;
    this.#finished = undefined;
    return response;
  }

  #instantiate() {
    const generation = ++this.#generation;
    const live = () => generation === this.#generation;
    this.#wasi = createWasi({
      env: this.#platform.env,
      random: this.#platform.random,
      monotonicNs: this.#platform.monotonicNs,
      onSleep: (ms) => {
        if (!this.#exports?.gzrs_turn_interrupt()) return false;
        this.#armTimer(ms);
        return true;
      },
    });
    const memory = () => this.#exports.memory.buffer;
    const binaryBody = this.#platform.binaryBody ?? ((view) => view.slice());
    const text = (ptr, len) => decoder.decode(new Uint8Array(memory(), ptr, len));
    const imports = {
      wasi_snapshot_preview1: this.#wasi.imports(this.#module),
      gzrs: {
        wake: (task) => this.#wake(task),
        panicked: (messagePtr, messageLen, detailPtr, detailLen) => {
          this.#lastPanic = `the service panicked: ${text(messagePtr, messageLen)}`;
          console.error(`gzrs: the service ${text(detailPtr, detailLen)}`);
        },
        respond: (task, headPtr, headLen, bodyPtr, bodyLen, hasBinary) => {
          // The answer comes in the request's form: JSON (`{...}`), or a compact head.
          const head = text(headPtr, headLen);
          const body = hasBinary ? binaryBody(new Uint8Array(memory(), bodyPtr, bodyLen)) : undefined;
          let response;
          if (head.charCodeAt(0) === 123) {
            response = JSON.parse(head);
            if (hasBinary) response.body = body;
          } else {
            response = compactResponse(head, body);
          }
          this.#stopReading(task);
          this.#answer(task, response);
        },
        respond_head: (task, headPtr, headLen) => {
          const response = compactResponse(text(headPtr, headLen), undefined);
          let ended;
          // Settles when the body has ended, however it ends.
          response.finished = new Promise((resolve) => (ended = resolve));
          response.body = new ReadableStream(
            {
              start: (controller) => this.#streams.set(task, { controller, ended }),
              // The client read: a task held back goes on.
              pull: () => {
                if (this.#held.delete(task)) this.#wake(task);
              },
              cancel: () => {
                if (this.#streams.has(task)) this.#cancel(task);
              },
            },
            { highWaterMark: STREAM_BUFFER_BYTES, size: (chunk) => chunk.byteLength },
          );
          this.#answer(task, response);
        },
        respond_chunk: (task, ptr, len) => {
          const stream = this.#streams.get(task);
          if (!stream) return 1;
          stream.controller.enqueue(new Uint8Array(memory(), ptr, len).slice());
          if (stream.controller.desiredSize > 0) return 1;
          this.#held.add(task);
          return 0;
        },
        respond_end: (task, failed) => {
          const stream = this.#streams.get(task);
          this.#streams.delete(task);
          this.#held.delete(task);
          this.#stopReading(task);
          if (failed) stream?.controller.error(new Error("gzrs: the service's response body failed"));
          else stream?.controller.close();
          stream?.ended();
        },
        request_body_read: (task) => this.#readBody(task, live),
      },
      gzrs_platform: this.#platformImports(live, memory, text),
    };
    this.#exports = undefined;
    const instance = new WebAssembly.Instance(this.#module, imports);
    this.#wasi.attach(instance);
    this.#exports = instance.exports;
    // A reactor's static constructors, then the service itself (`app()`); a panic in either
    // throws here, to the constructor or to the request that re-created the instance.
    try {
      instance.exports._initialize?.();
      instance.exports.gzrs_init();
    } catch (error) {
      this.#exports = undefined;
      const reason = this.#lastPanic ?? error?.message ?? String(error);
      this.#lastPanic = undefined;
      throw new Error(`gzrs: the service failed to start: ${reason}`);
    }
  }

  // What gzrs-platform asks of the host: console lines, timers and fetch. An answer goes back
  // only to the instance that asked.
  #platformImports(live, memory, text) {
    const answer = (call, ok, bytes) => {
      if (!live() || !this.#hostCalls.delete(call)) return;
      this.#enter(() => {
        const ptr = this.#exports.gzrs_platform_buffer(call, bytes.length);
        if (ptr !== 0) new Uint8Array(memory(), ptr, bytes.length).set(bytes);
        this.#exports.gzrs_platform_complete(call, ok ? 1 : 0);
      });
    };
    return {
      log: (level, ptr, len) => {
        const line = text(ptr, len);
        if (level <= 1) console.error(line);
        else if (level === 2) console.warn(line);
        else if (level === 3) console.info(line);
        else console.debug(line);
      },
      sleep: (call, ms) => {
        const timer = setTimeout(() => answer(call, true, new Uint8Array(0)), ms);
        this.#hostCalls.set(call, () => clearTimeout(timer));
      },
      fetch: (call, headPtr, headLen, bodyPtr, bodyLen) => {
        const { method, url, headers } = JSON.parse(text(headPtr, headLen));
        const body = bodyLen > 0 ? new Uint8Array(memory(), bodyPtr, bodyLen).slice() : undefined;
        const abort = new AbortController();
        this.#hostCalls.set(call, () => abort.abort());
        fetchReply(method, url, headers, body, abort.signal).then(
          (reply) => answer(call, true, reply),
          (error) => answer(call, false, encoder.encode(error.message)),
        );
      },
      cancel: (call) => {
        this.#hostCalls.get(call)?.();
        this.#hostCalls.delete(call);
      },
    };
  }

  /** Hands `response` to whoever waits for task `task`, or to `#run` during its first poll. */
  #answer(task, response) {
    const waiting = this.#pending.get(task);
    if (waiting) {
      this.#pending.delete(task);
      waiting.resolve(response);
    } else {
      this.#finished = response;
    }
  }

  #armTimer(ms) {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = undefined;
    if (ms >= IDLE_PARK_MS) return;
    this.#timerDue = Date.now() + ms;
    this.#timer = setTimeout(() => this.fireDueTimer(true), Math.ceil(ms));
  }

  /**
   * When tokio's next timer is due (`Date.now()` time), or undefined when none is armed. On
   * Workers a timeout set while serving one request is cancelled when that request ends, so each
   * waiting request also watches this and calls `fireDueTimer` from its own context.
   */
  get timerDue() {
    return this.#timerDue;
  }

  /** Runs tokio's turn if its timer is due (or `now`, from the timer itself); else nothing. */
  fireDueTimer(now = false) {
    if (this.#timerDue === undefined || (!now && Date.now() < this.#timerDue)) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = undefined;
    this.#enter(() => this.#exports.gzrs_turn());
  }

  #wake(task) {
    if (this.#scheduled.has(task)) return;
    this.#scheduled.add(task);
    queueMicrotask(() => {
      this.#scheduled.delete(task);
      if (this.#pending.has(task) || this.#streams.has(task)) {
        this.#enter(() => this.#exports.gzrs_poll(task), task);
      }
    });
  }

  /**
   * Calls into the instance; a trap re-creates it and answers everything in flight. `culprit`:
   * the task the call polls, when it polls one.
   */
  #enter(call, culprit) {
    if (!this.#exports) return;
    try {
      call();
    } catch (error) {
      this.#recover(error, culprit);
    }
  }

  // Any exception out of the instance leaves it in an unknown state (a trap unwinds no Rust
  // frames), so the instance is re-created and what it held is lost. The request that trapped
  // (`culprit`) answers 500 with the panic's message. So do the others in flight on it, except
  // those with an idempotent method (GET, HEAD, OPTIONS, PUT, DELETE: RFC 9110 lets a client
  // repeat them), which run again on the fresh instance (up to MAX_RETRIES times, as other
  // requests may panic meanwhile): one panic costs one request.
  // When the trap's task is unknown (a timer's turn), nothing is retried, as any may be to blame.
  #recover(error, culprit) {
    const reason = this.#lastPanic ?? `the service failed: ${error?.message ?? error}`;
    this.#lastPanic = undefined;
    this.#wasi?.flush();
    const answer = errorResponse(500, reason);
    const waiting = [...this.#pending];
    this.#pending.clear();
    // Bodies already under way end with the error: their heads are sent.
    for (const { controller, ended } of this.#streams.values()) {
      controller.error(new Error(reason));
      ended();
    }
    this.#streams.clear();
    this.#held.clear();
    for (const task of [...this.#bodies.keys()]) this.#stopReading(task);
    this.#scheduled.clear();
    this.#finished = undefined;
    clearTimeout(this.#timer);
    this.#timerDue = undefined;
    for (const cancel of this.#hostCalls.values()) cancel();
    this.#hostCalls.clear();
    this.resets++;
    try {
      this.#instantiate();
    } catch (startError) {
      // Left without an instance: the next request tries again, and says why if it fails.
      console.error(startError.message);
    }
    for (const [task, { resolve, job }] of waiting) {
      if (culprit !== undefined && task !== culprit && job.retries > 0) {
        job.retries--;
        this.retried++;
        resolve(RUN_AGAIN);
      } else {
        resolve(answer);
      }
    }
    return answer;
  }
}

/**
 * The runtime's fetch, answered as gzrs-platform reads it: the head's length (u32, little-endian), the
 * head as JSON (`{status, headers: [[name, value], ...]}`), then the body.
 */
async function fetchReply(method, url, headers, body, signal) {
  let response;
  try {
    response = await fetch(url, { method, headers, body, redirect: "follow", signal });
  } catch (error) {
    // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is the cause.
    const cause = error.cause?.code ?? error.cause?.message;
    throw new Error(cause ? `${error.message} (${cause})` : error.message);
  }
  const pairs = [];
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") pairs.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie?.() ?? []) pairs.push(["set-cookie", cookie]);
  const head = encoder.encode(JSON.stringify({ status: response.status, headers: pairs }));
  const payload = new Uint8Array(await response.arrayBuffer());
  const reply = new Uint8Array(4 + head.length + payload.length);
  new DataView(reply.buffer).setUint32(0, head.length, true);
  reply.set(head, 4);
  reply.set(payload, 4 + head.length);
  return reply;
}

let scratch = new Uint8Array(8192);

/** UTF-8 bytes of a string in a reused buffer, valid until the next call. */
function utf8Scratch(text) {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}
