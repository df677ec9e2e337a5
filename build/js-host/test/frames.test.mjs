// The class side of the sidecar's frames (FrameReader in native-host.mjs), fuzzed with
// fast-check: any answer stream, cut into any chunks, is read exactly as the reference decoder
// reads it, and a stream out of step is refused (the Sidecar then ends the connection) rather
// than buffered without end. GZRS_FUZZ_SECONDS bounds each property (scripts/fuzz.sh sets it;
// the test suite's own run is short). Then the Sidecar itself, against an executable that
// answers garbage: a 502, and the next request restarts it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const fc = createRequire(new URL("../../../tests/node/package.json", import.meta.url))("fast-check");
const seconds = Number(process.env.GZRS_FUZZ_SECONDS ?? 2);
const budget = { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };

// The executable that native-host.mjs starts is this file's fake sidecar (below), through the
// launcher hook; it must be set before the module reads it.
const work = mkdtempSync(path.join(os.tmpdir(), "gzrs-frames-"));
const fake = path.join(work, "fake-sidecar.mjs");
process.env.GZRS_NATIVE_LAUNCHER = fake;
// The Genezio adapter laid out as a build ships it: beside core/.
const shipped = path.join(work, "gzrs");
mkdirSync(path.join(shipped, "core"), { recursive: true });
const hostDir = new URL("..", import.meta.url).pathname;
for (const file of ["native-host.mjs", "genezio-common.mjs"]) copyFileSync(path.join(hostDir, "genezio", file), path.join(shipped, file));
for (const file of readdirSync(path.join(hostDir, "core"))) copyFileSync(path.join(hostDir, "core", file), path.join(shipped, "core", file));
const { FrameReader, startNative } = await import(pathToFileURL(path.join(shipped, "native-host.mjs")).href);

const NO_BODY = 0xffffffff;
const HEAD_LIMIT = 16 << 20;
const BINARY_LIMIT = 256 << 20;

function encode(id, head, binary) {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(id, 0);
  header.writeUInt32LE(head.length, 4);
  header.writeUInt32LE(binary === undefined ? NO_BODY : binary.length, 8);
  return Buffer.concat([header, head, binary ?? Buffer.alloc(0)]);
}

/** The frames in `bytes` as the protocol defines them, and whether a header is out of bounds. */
function reference(bytes) {
  const frames = [];
  let at = 0;
  while (bytes.length - at >= 12) {
    const id = bytes.readUInt32LE(at);
    const head = bytes.readUInt32LE(at + 4);
    const binary = bytes.readUInt32LE(at + 8);
    if (head > HEAD_LIMIT || (binary !== NO_BODY && binary > BINARY_LIMIT)) return { frames, outOfStep: true };
    const total = 12 + head + (binary === NO_BODY ? 0 : binary);
    if (bytes.length - at < total) break;
    const headBytes = bytes.subarray(at + 12, at + 12 + head);
    const body = binary === NO_BODY ? undefined : bytes.subarray(at + 12 + head, at + total);
    frames.push([id, headBytes.toString("hex"), body?.toString("hex")]);
    at += total;
  }
  return { frames, outOfStep: false };
}

/** Pushes `bytes` in chunks cut at `cuts` (fractions of the length); what came out. */
function readInChunks(bytes, cuts) {
  const got = [];
  const reader = new FrameReader((id, head, binary) => got.push([id, head.toString("hex"), binary?.toString("hex")]));
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  let error;
  try {
    for (const to of [...points, bytes.length]) {
      if (to > from) reader.push(bytes.subarray(from, to));
      from = Math.max(from, to);
    }
  } catch (e) {
    error = e;
  }
  return { got, error };
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

test("well-formed answers, cut anywhere, are read exactly", () => {
  const frame = fc.record({
    id: fc.nat({ max: 0xffffffff }),
    head: fc.json().map((text) => Buffer.from(text)),
    binary: fc.option(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 6 }), cuts, (frames, cutsAt) => {
      const bytes = Buffer.concat(frames.map((f) => encode(f.id, f.head, f.binary)));
      const { got, error } = readInChunks(bytes, cutsAt);
      assert.equal(error, undefined);
      assert.deepEqual(got, reference(bytes).frames);
    }),
    budget,
  );
});

test("any bytes: read as the reference reads them, or refused when out of step", () => {
  // Garbage, and garbage after real frames (a stream that goes out of step mid-way).
  const garbage = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b));
  const lengths = fc.tuple(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 5, HEAD_LIMIT, HEAD_LIMIT + 1, NO_BODY, BINARY_LIMIT + 1));
  const header = lengths.map(([a, b]) => {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(7, 0);
    h.writeUInt32LE(a % 2 ? b : a % 64, 4);
    h.writeUInt32LE(a % 2 ? a % 64 : b, 8);
    return h;
  });
  const stream = fc.array(fc.oneof(garbage, header), { maxLength: 5 }).map((parts) => Buffer.concat(parts));
  fc.assert(
    fc.property(stream, cuts, (bytes, cutsAt) => {
      const expected = reference(bytes);
      const { got, error } = readInChunks(bytes, cutsAt);
      if (expected.outOfStep) {
        assert.match(error?.message ?? "", /bad frame header/);
        assert.deepEqual(got, expected.frames);
      } else {
        assert.equal(error, undefined);
        assert.deepEqual(got, expected.frames);
      }
    }),
    budget,
  );
});

test("an executable that answers garbage: 502, and the next request restarts it", async () => {
  // A stand-in for the native executable: its first run answers a frame whose head is not JSON;
  // its second answers properly.
  const state = path.join(work, "runs");
  writeFileSync(
    fake,
    `#!${process.execPath}
import net from "node:net";
import { appendFileSync, readFileSync } from "node:fs";
appendFileSync(${JSON.stringify(state)}, "x");
const run = readFileSync(${JSON.stringify(state)}, "utf8").length;
const socket = net.connect(process.argv[4]) // launcher FILE --sidecar SOCKET;
socket.once("data", (frame) => {
  const id = frame.readUInt32LE(0);
  const head = Buffer.from(run === 1 ? "{not json" : JSON.stringify({ statusCode: 200, headers: {}, body: "ok" }));
  const header = Buffer.alloc(12);
  header.writeUInt32LE(id, 0);
  header.writeUInt32LE(head.length, 4);
  header.writeUInt32LE(0xffffffff, 8);
  socket.write(Buffer.concat([header, head]));
});
`,
  );
  chmodSync(fake, 0o755);
  // Any executable of this CPU passes the host's own checks; the launcher runs the fake instead.
  const executable = process.execPath;
  const arch = { x64: "x86_64", arm64: "arm64" }[process.arch];
  const host = startNative("file:///", { [arch]: { path: executable, size: statSync(executable).size, fingerprint: "0" } });
  const request = { http: { method: "GET", path: "/C/m/" }, headers: {} };
  const first = await host.handle(request);
  assert.equal(first.statusCode, 502, JSON.stringify(first));
  assert.match(first.body, /malformed answer/);
  const second = await host.handle(request);
  assert.equal(second.statusCode, 200, JSON.stringify(second));
  assert.equal(second.body, "ok");
  assert.equal(host.starts, 2);
  process.kill(host.pid, "SIGKILL"); // its connection would keep this process alive
  rmSync(work, { recursive: true, force: true });
});
