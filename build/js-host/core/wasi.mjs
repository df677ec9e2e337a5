// gzrs's WASI: the few WASI preview 1 calls that Rust's std makes on wasm32-wasip1, answered
// from JavaScript, so std::time, std::env, println! and randomness work in a gzrs service. It
// runs on every runtime (Node, Deno, Bun, workerd): what differs between them (where
// randomness, the monotonic clock and the environment come from) is handed in by the adapter.
//
// Not node:wasi: that one sleeps for real in poll_oneoff (gzrs must never block the event loop
// for tokio's timers), warns that it is experimental on every start, and offers a filesystem
// gzrs does not want to hand out. Everything not listed here answers ENOSYS, so a service that
// reaches for files or sockets gets an error, not a crash.

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOSYS = 52;
const ERRNO_SPIPE = 70;
const FILETYPE_CHARACTER_DEVICE = 2;
const EVENTTYPE_CLOCK = 0;
const SUBSCRIPTION_CLOCK_ABSTIME = 1;

/** Thrown by proc_exit: the instance is finished and must not be entered again. */
export class WasiExit extends Error {
  constructor(code) {
    super(`the service exited with status ${code}`);
    this.code = code;
  }
}

/**
 * The `wasi_snapshot_preview1` imports for one instance.
 * @param options.env the environment to hand over, or a function answering it (read when std
 *   first asks, then kept: a snapshot, as a process's environment is)
 * @param options.onSleep called with a sleep's duration in ms; answers true if the host dealt
 *   with it without sleeping (tokio's park inside a turn), false for a real sleep
 * @param options.random fills a Uint8Array with secure random bytes
 * @param options.monotonicNs the monotonic clock, in nanoseconds (a BigInt)
 */
export function createWasi({
  env = {},
  onSleep = () => false,
  random = webRandom,
  monotonicNs = webMonotonicNs,
} = {}) {
  let memory;
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  // Read when std first asks (most services never do), as a process's environment is: once.
  let environ;
  const entries = () =>
    (environ ??= Object.entries(typeof env === "function" ? env() : env)
      .filter(([, value]) => typeof value === "string")
      .map(([name, value]) => utf8.encode(`${name}=${value}\0`)));
  const lines = { 1: new LineWriter(console.log), 2: new LineWriter(console.error) };

  const calls = {
    args_sizes_get(argc, bufSize) {
      view().setUint32(argc, 0, true);
      view().setUint32(bufSize, 0, true);
      return ERRNO_SUCCESS;
    },
    args_get() {
      return ERRNO_SUCCESS;
    },
    environ_sizes_get(count, bufSize) {
      view().setUint32(count, entries().length, true);
      view().setUint32(bufSize, entries().reduce((n, entry) => n + entry.length, 0), true);
      return ERRNO_SUCCESS;
    },
    environ_get(pointers, buffer) {
      const v = view();
      const mem = bytes();
      for (const [i, entry] of entries().entries()) {
        v.setUint32(pointers + 4 * i, buffer, true);
        mem.set(entry, buffer);
        buffer += entry.length;
      }
      return ERRNO_SUCCESS;
    },
    clock_res_get(id, resolution) {
      view().setBigUint64(resolution, 1000n, true);
      return ERRNO_SUCCESS;
    },
    clock_time_get(id, _precision, time) {
      view().setBigUint64(time, id === 0 ? wallNs() : monotonicNs(), true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, written) {
      const line = lines[fd];
      if (!line) return ERRNO_BADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + 8 * i, true);
        const len = v.getUint32(iovs + 8 * i + 4, true);
        line.write(bytes().subarray(ptr, ptr + len));
        total += len;
      }
      v.setUint32(written, total, true);
      return ERRNO_SUCCESS;
    },
    fd_read(fd, _iovs, _iovsLen, read) {
      if (fd !== 0) return ERRNO_BADF;
      view().setUint32(read, 0, true); // stdin is empty
      return ERRNO_SUCCESS;
    },
    fd_close(fd) {
      return fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF;
    },
    fd_seek(fd) {
      return fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF;
    },
    fd_fdstat_get(fd, stat) {
      if (fd > 2) return ERRNO_BADF;
      const v = view();
      v.setUint8(stat, FILETYPE_CHARACTER_DEVICE);
      v.setUint16(stat + 2, 0, true);
      v.setBigUint64(stat + 8, 0xffffffffffffffffn, true);
      v.setBigUint64(stat + 16, 0xffffffffffffffffn, true);
      return ERRNO_SUCCESS;
    },
    // No preopened directories: std's filesystem calls fail with an error.
    fd_prestat_get() {
      return ERRNO_BADF;
    },
    fd_prestat_dir_name() {
      return ERRNO_BADF;
    },
    random_get(buffer, len) {
      random(bytes().subarray(buffer, buffer + len));
      return ERRNO_SUCCESS;
    },
    sched_yield() {
      return ERRNO_SUCCESS;
    },
    proc_exit(code) {
      throw new WasiExit(code);
    },
    poll_oneoff(subscriptions, events, count, eventCount) {
      // std only ever waits on one clock (std::thread::sleep, and through it tokio's park).
      const v = view();
      let sleepMs = undefined;
      let userdata = 0n;
      for (let i = 0; i < count; i++) {
        const at = subscriptions + 48 * i;
        if (v.getUint8(at + 8) !== EVENTTYPE_CLOCK) return ERRNO_NOSYS;
        const id = v.getUint32(at + 16, true);
        let timeoutNs = v.getBigUint64(at + 24, true);
        if (v.getUint16(at + 40, true) & SUBSCRIPTION_CLOCK_ABSTIME) timeoutNs -= id === 0 ? wallNs() : monotonicNs();
        const ms = Number(timeoutNs > 0n ? timeoutNs : 0n) / 1e6;
        if (sleepMs === undefined || ms < sleepMs) {
          sleepMs = ms;
          userdata = v.getBigUint64(at, true);
        }
      }
      if (sleepMs === undefined) return ERRNO_INVAL;
      if (!onSleep(sleepMs)) sleepFor(sleepMs);
      const out = view();
      out.setBigUint64(events, userdata, true);
      out.setUint16(events + 8, ERRNO_SUCCESS, true);
      out.setUint8(events + 10, EVENTTYPE_CLOCK);
      out.setUint32(eventCount, 1, true);
      return ERRNO_SUCCESS;
    },
  };

  return {
    /** The import object's `wasi_snapshot_preview1`, every import `module` asks for filled. */
    imports(module) {
      const imports = {};
      for (const { module: from, name } of WebAssembly.Module.imports(module)) {
        if (from !== "wasi_snapshot_preview1") continue;
        imports[name] = calls[name] ?? (() => ERRNO_NOSYS);
      }
      return imports;
    },
    /** Points the calls at the instance's memory; call once it is instantiated. */
    attach(instance) {
      memory = instance.exports.memory;
    },
    /** Writes out a partial last line of stdout and stderr. */
    flush() {
      lines[1].flush();
      lines[2].flush();
    },
  };
}

const utf8 = new TextEncoder();

/**
 * A real sleep (std::thread::sleep): the instance is one thread, so it blocks. Atomics.wait where
 * the runtime allows it on this thread (Node, Deno, Bun), else a busy wait (workerd).
 */
function sleepFor(ms) {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } catch {
    const end = Date.now() + ms;
    while (Date.now() < end);
  }
}

/** The Web Crypto API's randomness, which every runtime has. */
export function webRandom(target) {
  for (let done = 0; done < target.length; done += 65536) {
    globalThis.crypto.getRandomValues(target.subarray(done, Math.min(target.length, done + 65536)));
  }
}

/** The high-resolution timer every runtime has, in nanoseconds. */
export function webMonotonicNs() {
  return BigInt(Math.round(performance.now() * 1e6));
}

/** The wall clock in nanoseconds (clock 0). */
function wallNs() {
  // workerd has no time origin (its timers advance only on I/O): its Date is the clock there.
  const origin = performance.timeOrigin;
  if (!origin) return BigInt(Date.now()) * 1_000_000n;
  return BigInt(Math.round((origin + performance.now()) * 1000)) * 1000n;
}

/** Bytes to whole lines to the console, where every platform collects a function's logs. */
class LineWriter {
  #print;
  #pending = "";
  #decoder = new TextDecoder();

  constructor(print) {
    this.#print = print;
  }

  write(chunk) {
    const text = this.#pending + this.#decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf("\n");
    if (end === -1) {
      this.#pending = text;
      return;
    }
    this.#pending = text.slice(end + 1);
    for (const line of text.slice(0, end).split("\n")) this.#print(line);
  }

  flush() {
    if (this.#pending) this.#print(this.#pending);
    this.#pending = "";
  }
}
