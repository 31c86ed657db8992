#pragma once
// Runs a program (kilp) as a child process for integration tests: its stderr goes
// to a file the test can show on failure; it can be signalled and waited for.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace kilp::testing {

class Subprocess {
 public:
  // stdout is inherited unless `stdout_path` is given.
  Subprocess(const std::string& program, const std::vector<std::string>& args,
             const std::string& stderr_path, const std::string& stdout_path = "");
  ~Subprocess();  // kills the child if it still runs
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  void signal(int signo);
  // Exit code (128 + signal when killed by one); -1 if it did not end in time.
  int wait(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

std::string read_file(const std::string& path);

}  // namespace kilp::testing
