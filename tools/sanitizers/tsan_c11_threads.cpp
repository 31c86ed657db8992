// ThreadSanitizer builds only. Debian's librdkafka starts its threads and locks
// its mutexes with C11 calls (thrd_create, mtx_lock, cnd_wait), which glibc 2.36
// implements without going through the pthread functions TSan intercepts: TSan
// then has no state for those threads (its allocator crashed inside them, in
// getaddrinfo on rdk:broker threads) and sees none of librdkafka's locking.
// Defining the C11 calls here, in the executable, interposes them for librdkafka
// and routes them through the intercepted pthread calls. (glibc's mtx_t and cnd_t
// have the layout of pthread_mutex_t and pthread_cond_t.)
#include <errno.h>
#include <pthread.h>
#include <threads.h>

#include <cstdint>

namespace {

struct Start {
  thrd_start_t function;
  void* argument;
};

void* run(void* start_pointer) {
  const Start start = *static_cast<Start*>(start_pointer);
  delete static_cast<Start*>(start_pointer);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(start.function(start.argument)));
}

int to_thrd_result(int rc) {
  if (rc == 0) return thrd_success;
  return rc == ENOMEM || rc == EAGAIN ? thrd_nomem : thrd_error;
}

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = new Start{function, argument};
  const int rc = pthread_create(thread, nullptr, run, start);
  if (rc != 0) delete start;
  return to_thrd_result(rc);
}

int thrd_join(thrd_t thread, int* result) {
  void* value = nullptr;
  const int rc = pthread_join(thread, &value);
  if (rc == 0 && result != nullptr) *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  return to_thrd_result(rc);
}

int thrd_detach(thrd_t thread) { return to_thrd_result(pthread_detach(thread)); }

int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(reinterpret_cast<pthread_mutex_t*>(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return to_thrd_result(rc);
}
int mtx_lock(mtx_t* mutex) {
  return to_thrd_result(pthread_mutex_lock(reinterpret_cast<pthread_mutex_t*>(mutex)));
}
int mtx_trylock(mtx_t* mutex) {
  const int rc = pthread_mutex_trylock(reinterpret_cast<pthread_mutex_t*>(mutex));
  return rc == EBUSY ? thrd_busy : to_thrd_result(rc);
}
int mtx_timedlock(mtx_t* mutex, const struct timespec* until) {
  const int rc = pthread_mutex_timedlock(reinterpret_cast<pthread_mutex_t*>(mutex), until);
  return rc == ETIMEDOUT ? thrd_timedout : to_thrd_result(rc);
}
int mtx_unlock(mtx_t* mutex) {
  return to_thrd_result(pthread_mutex_unlock(reinterpret_cast<pthread_mutex_t*>(mutex)));
}
void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy(reinterpret_cast<pthread_mutex_t*>(mutex)); }

int cnd_init(cnd_t* condition) {
  return to_thrd_result(pthread_cond_init(reinterpret_cast<pthread_cond_t*>(condition), nullptr));
}
int cnd_signal(cnd_t* condition) {
  return to_thrd_result(pthread_cond_signal(reinterpret_cast<pthread_cond_t*>(condition)));
}
int cnd_broadcast(cnd_t* condition) {
  return to_thrd_result(pthread_cond_broadcast(reinterpret_cast<pthread_cond_t*>(condition)));
}
int cnd_wait(cnd_t* condition, mtx_t* mutex) {
  return to_thrd_result(pthread_cond_wait(reinterpret_cast<pthread_cond_t*>(condition),
                                          reinterpret_cast<pthread_mutex_t*>(mutex)));
}
int cnd_timedwait(cnd_t* condition, mtx_t* mutex, const struct timespec* until) {
  const int rc = pthread_cond_timedwait(reinterpret_cast<pthread_cond_t*>(condition),
                                        reinterpret_cast<pthread_mutex_t*>(mutex), until);
  return rc == ETIMEDOUT ? thrd_timedout : to_thrd_result(rc);
}
void cnd_destroy(cnd_t* condition) { pthread_cond_destroy(reinterpret_cast<pthread_cond_t*>(condition)); }

}  // extern "C"
