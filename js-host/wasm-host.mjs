// gzrs wasm host: loads a gzrs service compiled to wasm32 and hands it Genezio requests.
//
// The Rust side (gzrs-wasm) exports `gzrs_start(task, meta, rawBody)` and `gzrs_poll(task)`,
// each answering the response head as JSON once the task is done, else undefined; this file is
// the scheduler for those tasks. Every call
// into the instance happens here, inside a try/catch, so a panic (a trap on wasm32) always lands
// in `#recover`: the requests in flight on the dead instance answer 500 and a fresh instance
// serves the next one.
import { errorResponse, marshal, readPayload } from "./host-common.mjs";

const hosts = new Map();

export class WasmHost {
  /**
   * Loads the module once per glue (wasm-bindgen keeps its instance in module state, so there is
   * one per process anyway) and returns its host.
   * @param glue the wasm-bindgen `web` glue module (`import * as glue from "./gzrs/app.js"`)
   * @param baseUrl `import.meta.url` of the caller
   * @param wasmPath the `.wasm` file's path relative to the caller
   */
  static load(glue, baseUrl, wasmPath) {
    let host = hosts.get(glue);
    if (!host) {
      host = new WasmHost(glue, readPayload(baseUrl, wasmPath, "wasm module"));
      hosts.set(glue, host);
    }
    return host;
  }

  #glue;
  #pending = new Map(); // task id -> resolve
  #lastTask = 0; // ids only grow, so a stale wake-up from a dead instance never hits a live task
  #scheduled = new Set();
  #lastPanic = undefined;
  /** How many times the instance was re-created after a trap. */
  resets = 0;

  constructor(glue, wasmBytes) {
    this.#glue = glue;
    globalThis.__gzrs_host = {
      wake: (task) => this.#wake(task),
      panicked: (message, detail) => {
        this.#lastPanic = `the service panicked: ${message}`;
        console.error(`gzrs: the service ${detail}`);
      },
      ...platform,
    };
    glue.initSync({ module: wasmBytes });
  }

  /** Answers one Genezio HTTP request object with a Genezio response object. */
  handle(req) {
    let meta, rawBody;
    try {
      [meta, rawBody] = marshal(req);
    } catch (error) {
      return Promise.resolve(errorResponse(400, `invalid request object: ${error.message}`));
    }
    const task = (this.#lastTask = (this.#lastTask + 1) >>> 0);
    let first;
    try {
      // Bytes, not strings: wasm-bindgen copies a byte array in with one memcpy but re-encodes a
      // string character by character in JavaScript.
      const body = rawBody === undefined ? undefined : Buffer.from(rawBody, "utf8");
      first = this.#complete(task, this.#glue.gzrs_start(task, utf8Scratch(meta), body));
    } catch (error) {
      return Promise.resolve(this.#recover(error));
    }
    // Most handlers finish on their first poll. A wake-up during it is safe to register after:
    // it only queues a microtask, and none runs before this function returns.
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve) => this.#pending.set(task, resolve));
  }

  /** Requests in flight on the current instance. */
  get inFlight() {
    return this.#pending.size;
  }

  #wake(task) {
    if (this.#scheduled.has(task)) return;
    this.#scheduled.add(task);
    queueMicrotask(() => {
      this.#scheduled.delete(task);
      this.#poll(task);
    });
  }

  #poll(task) {
    const resolve = this.#pending.get(task);
    if (!resolve) return; // a stale wake-up from a task already answered
    let response;
    try {
      response = this.#complete(task, this.#glue.gzrs_poll(task));
    } catch (error) {
      this.#recover(error); // answers every pending request, this one included
      return;
    }
    if (response === undefined) return;
    this.#pending.delete(task);
    resolve(response);
  }

  /** The response for a task's head (undefined while it is pending), its binary body fetched. */
  #complete(task, head) {
    if (head === undefined) return undefined;
    const response = JSON.parse(head);
    if (response.body === undefined) {
      const bytes = this.#glue.gzrs_take_binary(task);
      response.body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return response;
  }

  // Any exception out of the instance leaves it in an unknown state (a trap unwinds no Rust
  // frames), so every request on it answers 500 and the instance is re-created.
  #recover(error) {
    const reason = this.#lastPanic ?? `the service failed: ${error?.message ?? error}`;
    this.#lastPanic = undefined;
    const answer = errorResponse(500, reason);
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    this.#scheduled.clear();
    this.resets++;
    this.#glue.__wbg_reset_state();
    for (const resolve of waiting) resolve(answer);
    return answer;
  }
}

/**
 * What gzrs-platform asks of the host in wasm mode: the environment, clocks, timers and
 * outbound HTTP, which wasm32 does not have on its own.
 */
const platform = {
  env: (name) => process.env[name],
  monotonicMs: () => performance.now(),
  wallClockMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  log: (level, line) => {
    if (level <= 1) console.error(line);
    else if (level === 2) console.warn(line);
    else if (level === 3) console.info(line);
    else console.debug(line);
  },
  fetch: async (method, url, headers, body) => {
    let response;
    try {
      response = await fetch(url, { method, headers: JSON.parse(headers), body, redirect: "follow" });
    } catch (error) {
      // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is the cause.
      const cause = error.cause?.code ?? error.cause?.message;
      throw new Error(cause ? `${error.message} (${cause})` : error.message);
    }
    const pairs = [];
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") pairs.push([name, value]);
    });
    for (const cookie of response.headers.getSetCookie()) pairs.push(["set-cookie", cookie]);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: JSON.stringify(pairs), body: bytes };
  },
};

const encoder = new TextEncoder();
let scratch = new Uint8Array(8192);

/**
 * UTF-8 bytes of a small string in a reused buffer, valid until the next call: wasm-bindgen
 * copies them into the instance at once, so no allocation is needed per request.
 */
function utf8Scratch(text) {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}
