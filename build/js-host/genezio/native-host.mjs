// gzrs native host: starts the service's executable (gzrs-native) and gets out of its way.
//
// On genezio-aws the class is constructed while the Lambda initializes, before the Node runtime
// first asks the Runtime API for an event. Started then, and waited for synchronously, the
// executable polls the Runtime API itself and serves every event: the trap. The Node runtime
// never gets to poll, so it never handles a request.
//
// Anywhere else (`genezio local`, genezio-cloud, a constructor that runs late) there is no
// Runtime API to take over, so the executable runs beside Node as a sidecar: started once,
// each request forwarded over a unix socket, restarted if it dies.
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire as createBuiltinRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { CPU, callObject, callResult, callTooLarge, errorResponse, locateFile, marshal, oversizedBody } from "./genezio-common.mjs";

// Builtins are required when first needed, not imported: the trap never needs node:net, and an
// ESM import of a builtin builds a namespace of all its exports. (Not named `require`:
// Genezio's esbuild banner declares one in the bundle.)
const builtin = createBuiltinRequire(import.meta.url);

// True until the event loop first turns: a constructor that runs now runs at import, during the
// Lambda's init, when the Runtime API has not handed an event to anyone yet.
let importing = true;
setImmediate(() => {
  importing = false;
});

const NO_BODY = 0xffffffff;
// ELF `e_machine` values, by gzrs's (and Genezio's) architecture names.
const ELF_MACHINES = { 0xb7: "arm64", 0x3e: "x86_64" };
// The CPU whose executable runs here. GZRS_NATIVE_ARCH, with GZRS_NATIVE_LAUNCHER (a command
// that runs a foreign executable, like `qemu-aarch64-static`), runs the other CPU's build under
// an emulator: how gzrs tests its arm64 executables on x86_64. Unset on Genezio.
const HOST_ARCH = process.env.GZRS_NATIVE_ARCH || CPU;
const LAUNCHER = process.env.GZRS_NATIVE_LAUNCHER || undefined;
/** `[command, args]` that run `file` with `args`, through the launcher if there is one. */
const command = (file, args) => (LAUNCHER ? [LAUNCHER, [file, ...args]] : [file, args]);
// Written in by `gzrs build`.
const GZRS_VERSION = "{{ version }}";
const hosts = new Map();

/**
 * Where the class's requests go: the trap (never returns when it takes over) or a sidecar.
 *
 * Never throws. genezio-cloud constructs the class inside the first request, and a constructor
 * that throws there surfaces as a TypeError in Genezio's handler; so an executable that cannot
 * start (missing, corrupt, for another CPU) becomes a host whose every answer is a 500 saying
 * what is wrong and what to do, on both providers.
 * @param baseUrl `import.meta.url` of the caller
 * @param executables `{ [arch]: { path, size, fingerprint } }` as `gzrs build` recorded them: the path
 *   relative to the caller, for each CPU the build shipped (`arm64`, `x86_64`)
 */
export function startNative(baseUrl, executables) {
  // Bundled, every class is in one module.mjs: the executables tell classes apart.
  const key = `${baseUrl} ${JSON.stringify(executables)}`;
  let host = hosts.get(key);
  if (!host) {
    try {
      const binary = verifiedBinary(baseUrl, executableFor(executables));
      if (process.env.AWS_LAMBDA_RUNTIME_API && importing) {
        logStart("trap");
        trap(binary);
      }
      host = new Sidecar(binary);
    } catch (error) {
      console.error(error.message);
      host = new Unavailable(error.message);
    }
    hosts.set(key, host);
  }
  return host;
}

/** The one line an instance logs at start, so a deploy's logs say which path it took. */
function logStart(path) {
  console.log(`gzrs: native mode, ${path}, ${HOST_ARCH}, gzrs ${GZRS_VERSION}`);
}

/** This CPU's entry of the build's executables, or an Error that says how to get one. */
function executableFor(executables) {
  const expected = executables[HOST_ARCH];
  if (expected) return { ...expected, arch: HOST_ARCH };
  const shipped = Object.keys(executables);
  throw new Error(
    `gzrs: this project ships the native executable for ${shipped.join(" and ")} only, and this ` +
      `machine is ${HOST_ARCH} (genezio-cloud runs x86_64, genezio-aws arm64). Rebuild with ` +
      "`gzrs build --mode native` (without --arch it ships both) and redeploy.",
  );
}

/** What answers when the executable cannot start: every request gets why, never a hang. */
class Unavailable {
  #message;

  constructor(message) {
    this.#message = message;
  }

  handle() {
    return Promise.resolve(errorResponse(500, this.#message));
  }

  call() {
    return Promise.reject(new Error(this.#message));
  }

  get inFlight() {
    return 0;
  }

  get pid() {
    return undefined;
  }

  get starts() {
    return 0;
  }
}

/**
 * The shipped executable, checked in microseconds: it exists, its ELF header (20 bytes) is an
 * executable for this CPU, and it has the size recorded at build time. The header must be read
 * before anything runs it: a file that is not an executable would not merely fail to start,
 * since `execvp` hands such a file to `/bin/sh` as a script. Its bytes are checked by the
 * executable itself when it starts (its fingerprint, `GZRS_EXPECT_EXECUTABLE`; see gzrs-native's
 * integrity module), which exits with CORRUPT_EXIT if they do not match. Every failure is an
 * Error that says what to do.
 */
function verifiedBinary(baseUrl, expected) {
  const { file, stat } = locateFile(baseUrl, expected.path, "native executable");
  const wrong = unrunnable(file);
  if (wrong) throw wrong;
  if (stat.size !== expected.size) throw corrupt(file, `${stat.size} bytes, built as ${expected.size}`);
  return { file, stat, env: { ...process.env, GZRS_EXPECT_EXECUTABLE: `${expected.size}:${expected.fingerprint}` } };
}

/**
 * An Error naming why `file` cannot run on this machine at all, from its ELF header: not an
 * executable, or one for another CPU, or unreadable. Undefined when the header is this CPU's.
 */
function unrunnable(file) {
  const header = Buffer.alloc(20);
  let read = 0;
  try {
    const fd = openSync(file, "r");
    read = readSync(fd, header, 0, 20, 0);
    closeSync(fd);
  } catch (error) {
    // Nothing runs that could not be checked.
    return new Error(`gzrs: cannot read the native executable ${file}: ${error.message}`);
  }
  let why;
  if (read !== 20 || header.readUInt32BE(0) !== 0x7f454c46) {
    why = `gzrs: ${file} is not a Linux executable. Rebuild with \`gzrs build --mode native\` and redeploy.`;
  } else {
    const machine = ELF_MACHINES[header.readUInt16LE(18)] ?? `ELF machine ${header.readUInt16LE(18)}`;
    if (machine === HOST_ARCH) return undefined;
    why =
      `gzrs: the native executable ${file} is an executable for ${machine}, but this machine is ` +
      `${HOST_ARCH}. Rebuild with \`gzrs build --mode native\` (without --arch it ships both CPUs) ` +
      `and redeploy.`;
  }
  const failure = new Error(why);
  failure.lasting = true; // trying again would find the same file
  return failure;
}

// gzrs-native's exit status for an executable that failed its own integrity check.
const CORRUPT_EXIT = 78;
const FAILED_SELF_CHECK = "it failed its own check of the size and fingerprint recorded at build time";

function corrupt(file, detail) {
  const error = new Error(
    `gzrs: the native executable ${file} is corrupt or from another build (${detail}). ` +
      "Rebuild with `gzrs build --mode native` and redeploy.",
  );
  error.lasting = true; // trying again would find the same file
  return error;
}

/**
 * Where to run the executable from: the shipped file itself when nobody but its owner (root,
 * or this user) could have written it or its directory, and it is executable (Genezio's zips
 * keep Unix modes); else a private copy, in a fresh directory only this user can enter, under a
 * name nobody else chose (the zip may have lost the executable bit). `dir` is the copy's
 * directory, to remove, or undefined.
 */
function runnable(binary) {
  const safe = (stat) => (stat.mode & 0o022) === 0 && (stat.uid === 0 || stat.uid === process.getuid?.());
  try {
    accessSync(binary.file, constants.X_OK);
    if (safe(binary.stat) && safe(statSync(path.dirname(binary.file)))) {
      return { file: binary.file, dir: undefined };
    }
  } catch {
    // Not executable here: copied below.
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "gzrs-"));
  const file = path.join(dir, path.basename(binary.file));
  writeFileSync(file, readFileSync(binary.file), { mode: 0o700, flag: "wx" });
  return { file, dir };
}

/**
 * The trap: runs the executable and waits for it, which on a Lambda is forever. Returns only by
 * throwing (it could not start: Genezio then answers each request with this error) or by ending
 * the process (it stopped: the Lambda instance must restart, not fall back to a Node runtime
 * with no service).
 */
function trap(binary) {
  const { dir, file } = runnable(binary);
  const run = runInheriting(...command(file, []), binary.env);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (run.error) {
    throw new Error(`gzrs: could not start the native executable ${file}: ${run.error.message}`);
  }
  if (run.status === CORRUPT_EXIT) {
    throw corrupt(binary.file, FAILED_SELF_CHECK);
  }
  const how = run.signal ? `killed by ${run.signal}` : `exit status ${run.status}`;
  console.error(`gzrs: the native service stopped (${how}); ending this instance so that it restarts`);
  process.exit(run.status || 1);
}

/**
 * `spawnSync(file, args, { stdio: "inherit", env })`, through the binding node:child_process
 * itself calls, so the trap does not load node:child_process at init: 1–2 ms in a process that
 * has not loaded node:net, 0.1–0.3 ms under aws-lambda-ric, which has (`trap-prep.mjs`). Falls
 * back to node:child_process where the binding is missing or refuses the options. Answers
 * `{ status, signal, error }` as spawnSync does.
 */
function runInheriting(file, args, env) {
  let result;
  try {
    result = process.binding("spawn_sync").spawn({
      file,
      args: [file, ...args],
      envPairs: Object.entries(env).map(([name, value]) => `${name}=${value}`),
      stdio: [0, 1, 2].map((fd) => ({ type: "inherit", fd })),
      detached: false,
      windowsHide: false,
      windowsVerbatimArguments: false,
      killSignal: undefined,
      maxBuffer: Infinity,
      timeout: 0,
    });
  } catch {
    return builtin("node:child_process").spawnSync(file, args, { stdio: "inherit", env });
  }
  const error = result.error
    ? new Error(`spawnSync ${file} ${builtin("node:util").getSystemErrorName(result.error)}`)
    : undefined;
  return { status: result.status ?? null, signal: result.signal ?? null, error };
}

/** The executable beside Node, answering forwarded requests over a unix socket. */
class Sidecar {
  #binary;
  #lasting; // why the executable can never start, once that is known
  #connection; // a promise of the live connection, undefined when none
  #pending = new Map(); // request id -> resolve
  #lastId = 0;
  /** How many times the executable was started. */
  starts = 0;

  constructor(binary) {
    this.#binary = binary;
  }

  /** Answers one Genezio HTTP request object with a Genezio response object. */
  async handle(req) {
    let meta, rawBody, base64;
    try {
      [meta, rawBody, base64] = marshal(req);
    } catch (error) {
      return errorResponse(400, `invalid request object: ${error.message}`);
    }
    const oversized = oversizedBody(rawBody, base64);
    if (oversized) return oversized;
    return this.#send(meta, rawBody);
  }

  /**
   * Calls the service's typed method `method` with `params` (its arguments, in order): its
   * result, or a thrown Error with the method's error message (a panic's included).
   */
  async call(method, params) {
    const [meta, rawBody] = callObject(method, params);
    const tooLarge = callTooLarge(rawBody);
    if (tooLarge) throw tooLarge;
    return callResult(await this.#send(meta, rawBody));
  }

  /** Sends one request object to the executable (starting it if need be): its answer. */
  async #send(meta, rawBody) {
    if (this.#lasting) return errorResponse(500, this.#lasting);
    let connection;
    try {
      connection = await (this.#connection ??= this.#start());
    } catch (error) {
      this.#connection = undefined; // the next request tries again...
      if (error.lasting) {
        // ...unless trying again cannot help: every request gets why, as at a failed start.
        this.#lasting = error.message;
        console.error(error.message);
        return errorResponse(500, error.message);
      }
      return errorResponse(502, error.message);
    }
    const id = (this.#lastId = (this.#lastId + 1) >>> 0);
    const answer = new Promise((resolve) => this.#pending.set(id, resolve));
    connection.socket.write(requestFrame(id, meta, rawBody));
    return answer;
  }

  /** Requests waiting for the executable. */
  get inFlight() {
    return this.#pending.size;
  }

  /** The executable's process id, while it runs. */
  get pid() {
    return this.#child?.pid;
  }

  #child;

  async #start() {
    this.starts++;
    // Loaded here, not at import: the trap never needs it, and every module costs init time.
    const net = await import("node:net");
    const { spawn } = builtin("node:child_process");
    const { dir: copyDir, file } = runnable(this.#binary);
    // The socket, in a fresh directory only this user can enter.
    const dir = copyDir ?? mkdtempSync(path.join(os.tmpdir(), "gzrs-"));
    const socketPath = path.join(dir, "socket");
    const server = net.createServer();
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    return new Promise((resolve, reject) => {
      let child;
      const fail = (error) => {
        server.close();
        child?.kill("SIGKILL");
        cleanup();
        reject(typeof error === "string" ? new Error(error) : error);
      };
      server.on("error", (error) => fail(`gzrs: cannot open the sidecar socket ${socketPath}: ${error.message}`));
      server.listen(socketPath, () => {
        child = spawn(...command(file, ["--sidecar", socketPath]), {
          stdio: ["ignore", "inherit", "inherit"],
          env: this.#binary.env,
        });
        child.on("error", (error) => fail(`gzrs: could not start the native executable ${file}: ${error.message}`));
        const exitedEarly = (code, signal) =>
          fail(
            code === CORRUPT_EXIT
              ? corrupt(this.#binary.file, FAILED_SELF_CHECK)
              : `gzrs: the native executable ${file} stopped before serving (${signal ? `killed by ${signal}` : `exit status ${code}`})`,
          );
        child.once("exit", exitedEarly);
        server.once("connection", (socket) => {
          server.close();
          child.off("exit", exitedEarly);
          logStart("sidecar");
          this.#child = child;
          const connection = { socket };
          this.#attach(connection, child, cleanup);
          resolve(connection);
        });
      });
    });
  }

  /** Reads answers off the socket; when the executable dies, fails what it held and forgets it. */
  #attach(connection, child, cleanup) {
    const { socket } = connection;
    const frames = new FrameReader((id, head, binary) => {
      const resolve = this.#pending.get(id);
      if (!resolve) return;
      const response = JSON.parse(head.toString("utf8"));
      if (response === null || typeof response !== "object") throw new Error("an answer is not an object");
      if (response.body === undefined) response.body = binary ?? Buffer.alloc(0);
      this.#pending.delete(id);
      resolve(response);
    });
    socket.on("data", (chunk) => {
      try {
        frames.push(chunk);
      } catch (error) {
        // The stream is out of step: nothing more on it can be trusted.
        console.error(`gzrs: the native service sent a malformed answer (${error.message})`);
        end("sent a malformed answer");
      }
    });
    let ended = false;
    const end = (why) => {
      if (ended) return;
      ended = true;
      if (this.#child === child) this.#child = undefined;
      this.#connection = undefined;
      socket.destroy();
      child.kill("SIGKILL");
      cleanup();
      const answer = errorResponse(502, `the native service ${why} while handling this request; it restarts for the next one`);
      const waiting = [...this.#pending.values()];
      this.#pending.clear();
      for (const resolve of waiting) resolve(answer);
    };
    child.once("exit", (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      console.error(`gzrs: the native service ${how}`);
      end(how);
    });
    socket.on("close", () => end("closed its connection"));
    socket.on("error", () => {}); // "close" follows
  }
}

/**
 * One request frame in one buffer (one write, one syscall): the header, the request object's
 * JSON, the raw body. The JSON is encoded straight into the frame, room made for the worst case
 * (3 bytes per UTF-16 unit); the body, which can be megabytes, is measured first.
 */
function requestFrame(id, meta, rawBody) {
  const bodyLength = rawBody === undefined ? NO_BODY : Buffer.byteLength(rawBody, "utf8");
  const frame = Buffer.allocUnsafe(12 + 3 * meta.length + (rawBody === undefined ? 0 : bodyLength));
  const metaLength = frame.write(meta, 12, "utf8");
  if (rawBody !== undefined) frame.write(rawBody, 12 + metaLength, bodyLength, "utf8");
  frame.writeUInt32LE(id, 0);
  frame.writeUInt32LE(metaLength, 4);
  frame.writeUInt32LE(bodyLength, 8);
  return frame.subarray(0, 12 + metaLength + (rawBody === undefined ? 0 : bodyLength));
}

// An answer's head is small, and its body within Lambda's 6 MB; lengths past these mean the
// stream is out of step (gzrs-native's sidecar module sets the same bounds on requests).
const HEAD_LIMIT = 16 << 20;
const BINARY_LIMIT = 256 << 20;

/**
 * Splits the socket's byte stream into answer frames (see gzrs-native's sidecar module). Throws
 * when a header's lengths are out of bounds, or when `onFrame` throws; the stream cannot be
 * trusted after either.
 */
export class FrameReader {
  #chunks = [];
  #length = 0;
  #onFrame;

  constructor(onFrame) {
    this.#onFrame = onFrame;
  }

  push(chunk) {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    for (;;) {
      if (this.#length < 12) return;
      const header = this.#peek(12);
      const id = header.readUInt32LE(0);
      const headLength = header.readUInt32LE(4);
      const binaryLength = header.readUInt32LE(8);
      if (headLength > HEAD_LIMIT || (binaryLength !== NO_BODY && binaryLength > BINARY_LIMIT)) {
        throw new Error(`bad frame header (head ${headLength} bytes, body ${binaryLength} bytes)`);
      }
      const total = 12 + headLength + (binaryLength === NO_BODY ? 0 : binaryLength);
      if (this.#length < total) return;
      const frame = this.#take(total);
      const head = frame.subarray(12, 12 + headLength);
      const binary = binaryLength === NO_BODY ? undefined : frame.subarray(12 + headLength, total);
      this.#onFrame(id, head, binary);
    }
  }

  #peek(n) {
    if (this.#chunks[0].length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0].subarray(0, n);
  }

  #take(n) {
    if (this.#chunks[0].length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    const first = this.#chunks[0];
    const frame = first.subarray(0, n);
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#length -= n;
    return frame;
  }
}
