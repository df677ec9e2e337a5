// Types for wasm-host.mjs, for the TypeScript class that Genezio type-checks.
export interface GenezioResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

export declare class WasmHost {
  static load(baseUrl: string, wasmPath: string): WasmHost;
  resets: number;
  readonly inFlight: number;
  /** Settles when the module is compiled and, if the service could start, instantiated. */
  whenReady(): Promise<void>;
  handle(req: unknown): Promise<GenezioResponse>;
}

export declare function marshal(req: unknown): [string, string | undefined];
export declare function errorResponse(statusCode: number, message: string): GenezioResponse;
