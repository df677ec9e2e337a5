// The compute example's routes written in JavaScript, answer for answer (byte-equal bodies, the
// same content types): the twin `gzrs bench --twin` measures the Rust service against.
// A fetch handler (`export default { fetch }`), as Node (with gzrs's server.mjs), Deno, Bun and
// workerd run it.
const TEXT = { "content-type": "text/plain; charset=utf-8" };
const JSON_TYPE = { "content-type": "application/json" };
const HTML = { "content-type": "text/html; charset=utf-8" };

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const query = url.searchParams;
    const number = (name, fallback) => (query.has(name) ? Number(query.get(name)) : fallback);
    if (request.method === "GET" && url.pathname === "/") {
      return new Response("compute: GET /sieve, GET /sort, POST /summary, GET /table", { headers: TEXT });
    }
    if (request.method === "GET" && url.pathname === "/sieve") {
      return new Response(sieve(number("limit", 100000)), { headers: TEXT });
    }
    if (request.method === "GET" && url.pathname === "/sort") {
      return new Response(JSON.stringify(sort(number("count", 20000), number("seed", 1))), { headers: JSON_TYPE });
    }
    if (request.method === "POST" && url.pathname === "/summary") {
      return new Response(JSON.stringify(summary(await request.json())), { headers: JSON_TYPE });
    }
    if (request.method === "GET" && url.pathname === "/table") {
      return new Response(table(number("rows", 300)), { headers: HTML });
    }
    return new Response(null, { status: 404 });
  },
};

/** The primes below `limit` by Eratosthenes' sieve: how many, the largest, their sum. */
function sieve(limit) {
  const composite = new Uint8Array(limit);
  let count = 0;
  let largest = 0;
  let sum = 0;
  for (let n = 2; n < limit; n++) {
    if (composite[n]) continue;
    count++;
    largest = n;
    sum += n;
    for (let multiple = n * n; multiple < limit; multiple += n) composite[multiple] = 1;
  }
  return `primes below ${limit}: ${count}, the largest ${largest}, their sum ${sum}`;
}

/** `count` pseudo-random integers (xorshift32 from `seed`), sorted. */
function sort(count, seed) {
  let state = Math.max(seed, 1) >>> 0;
  const numbers = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    numbers[i] = state >>> 0;
  }
  numbers.sort();
  let checksum = 0;
  for (const n of numbers) checksum = (Math.imul(checksum, 31) + n) >>> 0;
  return {
    count,
    min: count ? numbers[0] : 0,
    median: count ? numbers[count >> 1] : 0,
    max: count ? numbers[count - 1] : 0,
    checksum,
  };
}

/** Totals of an order, per category (by name), and its most expensive item (the first of equals). */
function summary(order) {
  const categories = new Map();
  let mostExpensive = null;
  let quantity = 0;
  let totalCents = 0;
  for (const item of order.items) {
    const cost = item.price_cents * item.quantity;
    quantity += item.quantity;
    totalCents += cost;
    const category = categories.get(item.category);
    if (category) {
      category.items++;
      category.total_cents += cost;
    } else {
      categories.set(item.category, { name: item.category, items: 1, total_cents: cost });
    }
    if (!mostExpensive || item.price_cents > mostExpensive.price_cents) mostExpensive = item;
  }
  return {
    items: order.items.length,
    quantity,
    total_cents: totalCents,
    categories: [...categories.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    most_expensive: mostExpensive && { id: mostExpensive.id, name: mostExpensive.name, price_cents: mostExpensive.price_cents },
  };
}

const NAMES = ["Ada", "Grace & Co", "<script>", "O'Neil", '"Quoted"', "Zoë"];
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** An HTML table of `rows` people, every text escaped. */
function table(rows) {
  let html = "<!doctype html><table><thead><tr><th>#</th><th>Name</th><th>Email</th><th>Score</th></tr></thead><tbody>";
  for (let i = 0; i < rows; i++) {
    const name = NAMES[i % NAMES.length];
    const score = (i * 7919) % 1000;
    html += `<tr><td>${i + 1}</td><td>${escape(name)}</td><td>${escape(`${name.toLowerCase()}.${i}@example.com`)}</td><td class="${score >= 500 ? "high" : "low"}">${score}</td></tr>`;
  }
  return html + "</tbody></table>";
}
