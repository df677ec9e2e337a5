export interface NativeHost {
  /** Answers one Genezio HTTP request object with a Genezio response object. */
  handle(request: unknown): Promise<{ statusCode: number; headers: Record<string, string | string[]>; body: string | Buffer }>;
  /** Calls a typed method of the service: its result, or a thrown Error with its message. */
  call(method: string, params: unknown[]): Promise<unknown>;
  /** Requests waiting for the executable. */
  readonly inFlight: number;
  /** The executable's process id, while it runs. */
  readonly pid: number | undefined;
  /** How many times the executable was started. */
  readonly starts: number;
}

/**
 * Starts the trap (on a Lambda, at import: never returns) or the sidecar, with the executable
 * for this CPU. Never throws: if none can start, every request answers 500 saying why.
 */
export function startNative(
  baseUrl: string,
  executables: { [arch: string]: { path: string; size: number; fingerprint: string } },
): NativeHost;
