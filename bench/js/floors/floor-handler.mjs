// Written by `gzrs bench --platform web`: the floor it measures against. A plain fetch handler in
// JavaScript with the routes of the benchmark's example and no Rust at all: what the runtime
// costs by itself. It answers a GET with a short text and echoes a POST's body as JSON.
export default {
  async fetch(request) {
    if (request.method === "GET") {
      return new Response("Hello from JavaScript!", {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const text = await request.text();
    return Response.json({ length: text.length, text });
  },
};
