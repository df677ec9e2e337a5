// How the web folder's handler.mjs has the module on Node, Bun and Deno: read from beside it.
// Workers and the Deno platform import it instead (their entries say so), which needs no file
// access.

/**
 * The bytes of the module at `url` (a `file:` URL). Deno without read access gets an error
 * naming the permission, and the build that needs none.
 */
export async function readModule(url) {
  // Not a literal specifier, so that no bundler follows it into a runtime without `node:fs`.
  const fs = "node:fs/promises";
  const { readFile } = await import(fs);
  try {
    return await readFile(url);
  } catch (error) {
    if (globalThis.Deno && error?.name === "NotCapable") {
      throw new Error(
        `deno needs read access to ${decodeURIComponent(new URL(url).pathname)}: run it with --allow-read, ` +
          "or build with `gzrs build --platform deno`, whose entry imports the module and needs no permission",
      );
    }
    throw error;
  }
}
