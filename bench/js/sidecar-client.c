/* The sidecar executable alone, without Node: this client starts it with --sidecar, sends one
 * small GET request frame at a time (see gzrs-native's sidecar module) and waits for each answer.
 * Prints the microseconds a round trip takes over REQUESTS requests, four times.
 * Build: cc -O2 -o sidecar-client sidecar-client.c
 * Usage: sidecar-client EXECUTABLE REQUESTS   (an examples/hello executable: the path is /Hello/api/) */
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s EXECUTABLE REQUESTS\n", argv[0]);
    return 2;
  }
  char path[108];
  snprintf(path, sizeof path, "/tmp/gzrs-sidecar-client-%d", (int)getpid());
  unlink(path);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = {0};
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, path, strlen(path) + 1);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1)) {
    perror("listen");
    return 1;
  }
  pid_t pid;
  char *args[] = {argv[1], "--sidecar", path, NULL};
  if (posix_spawn(&pid, argv[1], NULL, NULL, args, environ)) {
    perror("spawn");
    return 1;
  }
  int s = accept(listener, NULL, NULL);
  unlink(path);
  const char *meta =
      "{\"http\":{\"method\":\"GET\",\"path\":\"/Hello/api/\",\"protocol\":\"HTTP/1.1\","
      "\"sourceIp\":\"127.0.0.1\",\"userAgent\":\"bench\"},\"headers\":{\"host\":\"example.com\","
      "\"user-agent\":\"bench\",\"accept\":\"*/*\"},\"queryStringParameters\":{},"
      "\"isBase64Encoded\":false}";
  uint32_t meta_len = strlen(meta);
  static char frame[4096], in[1 << 16];
  int requests = atoi(argv[2]);
  for (int round = 0; round < 4; round++) {
    double start = now_us();
    for (int i = 0; i < requests; i++) {
      uint32_t header[3] = {(uint32_t)i, meta_len, 0xffffffffu};
      memcpy(frame, header, 12);
      memcpy(frame + 12, meta, meta_len);
      if (write(s, frame, 12 + meta_len) < 0) return 1;
      size_t got = 0, need = 12;
      while (got < need) {
        ssize_t n = read(s, in + got, sizeof in - got);
        if (n <= 0) {
          fprintf(stderr, "the sidecar closed the connection\n");
          return 1;
        }
        got += n;
        if (got >= 12) {
          uint32_t answer[3];
          memcpy(answer, in, 12);
          need = 12 + answer[1] + (answer[2] == 0xffffffffu ? 0 : answer[2]);
        }
      }
    }
    printf("%.1f us a request\n", (now_us() - start) / requests);
  }
  return 0;
}
