// A frontend of examples/notes, as a TypeScript developer writes one: it imports only the SDK
// that `genezio sdk` generated from the Rust class, type-checks with `tsc --strict`, and checks
// every method's result through the SDK's own client. Run by tests/tests/typed_methods.rs.
import { Notes, type Note, type Stats } from "@genezio-sdk/notes";

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function same(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  check(a === e, `${what}: got ${a}, expected ${e}`);
}

// Never called: proves the SDK's types are the Rust ones, not `any` (tsc fails on an unused
// `@ts-expect-error`).
export async function typeErrors(): Promise<void> {
  // @ts-expect-error: a title is a string
  await Notes.add(5, []);
  // @ts-expect-error: tags are strings
  await Notes.add("x", [1]);
  const note: Note = await Notes.add("x", []);
  // @ts-expect-error: `done` is a boolean
  const text: string = note.done;
  // @ts-expect-error: `get` may answer null
  const title: string = (await Notes.get(1)).title;
  // @ts-expect-error: the map's values are numbers
  const tag: string = (await Notes.stats()).by_tag["x"];
  void text, title, tag;
}

async function main(): Promise<void> {
  // The instance may have served others before: what this frontend adds is checked.
  const before: Stats = await Notes.stats();
  const milk: Note = await Notes.add("milk", ["shop", "food"]);
  same([milk.title, milk.tags, milk.done], ["milk", ["shop", "food"], false], "add's note");
  same(Object.keys(milk), ["id", "title", "tags", "done"], "a note's fields, in the struct's order");
  const call: Note = await Notes.add("call mum", ["family", "food"]);
  check(call.id !== milk.id, "each note gets its own id");

  const all: Note[] = await Notes.list();
  same(all.slice(-2).map((n) => n.title), ["milk", "call mum"], "list ends with the new notes");
  same(all.length, before.count + 2, "list has every note");

  const found: Note | null = await Notes.get(milk.id);
  same(found, milk, "get of an existing note");
  same(await Notes.get(4242), null, "get of a missing note");

  const done: Note = await Notes.complete(call.id);
  same(done, { ...call, done: true }, "complete");
  let message = "";
  try {
    await Notes.complete(4242);
  } catch (error) {
    message = (error as Error).message;
  }
  check(message.includes("4242"), `complete of a missing note throws a message naming it: ${JSON.stringify(message)}`);

  const stats: Stats = await Notes.stats();
  same(stats.count, before.count + 2, "stats.count");
  const added = (tag: string) => (stats.by_tag[tag] ?? 0) - (before.by_tag[tag] ?? 0);
  same(["family", "food", "shop"].map(added), [1, 2, 1], "stats.by_tag");
  console.log("frontend: every check passed");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
