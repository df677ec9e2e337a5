/* The floor under any sidecar: a peer that speaks the sidecar's frames (see gzrs-native's
 * sidecar module) and answers every request at once with a fixed response, doing no other work.
 * Built and run by sidecar-floor.mjs. Usage: sidecar-stub --sidecar SOCKET */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = {0};
  address.sun_family = AF_UNIX;
  if (strlen(argv[2]) >= sizeof address.sun_path) return 2;
  memcpy(address.sun_path, argv[2], strlen(argv[2]) + 1);
  if (connect(s, (struct sockaddr *)&address, sizeof address)) return 1;
  static char in[1 << 20];
  char out[512];
  const char *head =
      "{\"statusCode\":200,\"headers\":{\"content-type\":\"text/plain; charset=utf-8\"},"
      "\"body\":\"Hello from the stub\"}";
  uint32_t head_len = strlen(head);
  size_t got = 0;
  for (;;) {
    ssize_t n = read(s, in + got, sizeof in - got);
    if (n <= 0) return 0;
    got += n;
    while (got >= 12) {
      uint32_t header[3];
      memcpy(header, in, 12);
      size_t need = 12 + header[1] + (header[2] == 0xffffffffu ? 0 : header[2]);
      if (got < need) break;
      uint32_t answer[3] = {header[0], head_len, 0xffffffffu};
      memcpy(out, answer, 12);
      memcpy(out + 12, head, head_len);
      if (write(s, out, 12 + head_len) < 0) return 1;
      memmove(in, in + need, got - need);
      got -= need;
    }
  }
}
