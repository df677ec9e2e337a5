// Types for wasm-host.mjs, for the TypeScript class that Genezio type-checks.
export interface GenezioResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

export declare class WasmHost {
  static load(baseUrl: string, wasmPath: string): WasmHost;
  resets: number;
  /** Requests run again after another request's panic ended the instance they were on. */
  retried: number;
  readonly inFlight: number;
  /** What the host and instance hold for requests in flight (the soak checks it). */
  readonly tables: {
    pending: number;
    instanceTasks: number;
    scheduled: number;
    hostCalls: number;
    memoryBytes: number;
  };
  /** Settles when the module is compiled and, if the service could start, instantiated. */
  whenReady(): Promise<void>;
  handle(req: unknown): Promise<GenezioResponse>;
  /** Calls a typed method of the service: its result, or a thrown Error with its message. */
  call(method: string, params: unknown[]): Promise<unknown>;
}

export declare function marshal(req: unknown): [string, string | undefined, boolean];
export declare function errorResponse(statusCode: number, message: string): GenezioResponse;
