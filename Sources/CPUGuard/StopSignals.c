// SIGTERM / SIGINT for `pixwizard serve`. The handler is installed with sigaction before the daemon says
// it is listening, so a signal can never arrive while it is still ignored or unhandled (libdispatch's signal
// sources register asynchronously and could miss one sent right after start-up). The handler only posts
// a semaphore (async-signal-safe); a thread waits on it and shuts the daemon down.
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>

static sem_t stop_sem;

static void on_stop_signal(int sig) {
  (void)sig;
  int saved = errno;
  sem_post(&stop_sem);
  errno = saved;
}

int pixwizard_stop_signals_install(void) {
  if (sem_init(&stop_sem, 0, 0) != 0) return -1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) return -1;
  return 0;
}

void pixwizard_stop_signals_wait(void) {
  while (sem_wait(&stop_sem) != 0 && errno == EINTR) {
  }
}
