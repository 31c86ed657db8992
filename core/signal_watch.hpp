#pragma once
// SIGINT/SIGTERM delivered through a signalfd that the control thread polls, so no
// signal handler and no global flag are needed. Construct it before starting any
// thread: the signals are blocked for every thread created afterwards.
namespace kilp::core {

class SignalWatch {
 public:
  SignalWatch();
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  // Waits up to timeout_ms; returns the signal number received, or 0.
  int wait(int timeout_ms);

 private:
  int fd_ = -1;
};

}  // namespace kilp::core
