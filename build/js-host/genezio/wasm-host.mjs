// gzrs wasm host on Genezio: the generated class's side of wasm mode. It reads the module
// shipped beside the class, runs it on Node with ./core/wasm-service.mjs, and turns Genezio's
// request objects into what gzrs-core reads (`marshal`) and binary answers into the Buffers
// Genezio sends as base64.
import { CPU, errorResponse, marshal, nodeMonotonicNs, nodeRandom, readPayload } from "./genezio-common.mjs";
import { WasmService } from "./core/wasm-service.mjs";

const hosts = new Map();
// Written in by `gzrs build`.
const GZRS_VERSION = "{{ version }}";

export class WasmHost {
  /**
   * The host of the module at `wasmPath`, one per process. Never throws: the module is compiled
   * off the main thread (V8's asynchronous compile), and instantiated as soon as it is ready, so
   * a call at import (the generated class makes one) overlaps the compile with the rest of
   * Node's start; on genezio-cloud, which builds the class only inside the first request, that
   * request then finds the module ready. Requests that arrive earlier wait for it. A module
   * that cannot be read or compiled, or a service that fails to start, answers every request
   * with a 500 saying why.
   * @param baseUrl `import.meta.url` of the caller
   * @param wasmPath the `.wasm` file's path relative to the caller
   */
  static load(baseUrl, wasmPath) {
    const key = new URL(wasmPath, baseUrl).href;
    let host = hosts.get(key);
    if (!host) {
      host = new WasmHost(baseUrl, wasmPath);
      hosts.set(key, host);
    }
    return host;
  }

  #service;

  constructor(baseUrl, wasmPath) {
    let module;
    try {
      // Compiling starts now, before the constructor returns.
      module = WebAssembly.compile(readPayload(baseUrl, wasmPath, "wasm module"));
      // One line per instance, so a deploy's logs say how it runs.
      console.log(`gzrs: wasm mode, in-process, ${CPU}, gzrs ${GZRS_VERSION}`);
    } catch (error) {
      console.error(error.message);
      module = error.message;
    }
    this.#service = new WasmService(module, {
      env: process.env,
      random: nodeRandom,
      monotonicNs: nodeMonotonicNs,
      binaryBody: (view) => Buffer.from(view),
    });
  }

  /** Answers one Genezio HTTP request object with a Genezio response object. */
  handle(req) {
    let meta, rawBody, base64;
    try {
      [meta, rawBody, base64] = marshal(req);
    } catch (error) {
      return Promise.resolve(errorResponse(400, `invalid request object: ${error.message}`));
    }
    return Promise.resolve(this.#service.handle(meta, rawBody, base64, req.http?.method));
  }

  /**
   * Calls the service's typed method `method` with `params` (its arguments, in order): its
   * result, or a thrown Error with the method's error message (a panic's included).
   */
  call(method, params) {
    return this.#service.call(method, params);
  }

  /** Settles when the module is compiled and, if the service could start, instantiated. */
  whenReady() {
    return this.#service.whenReady();
  }

  /** Requests in flight on the current instance. */
  get inFlight() {
    return this.#service.inFlight;
  }

  /** What the host and the instance hold for requests in flight (see WasmService). */
  get tables() {
    return this.#service.tables;
  }

  /** How many times the instance was re-created after a trap. */
  get resets() {
    return this.#service.resets;
  }

  /** Requests run again after another request's panic ended the instance they were on. */
  get retried() {
    return this.#service.retried;
  }
}
