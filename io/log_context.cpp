#include "io/log_context.hpp"

#include <utility>

namespace kilp::io {
namespace {
thread_local std::string context;
}  // namespace

const std::string& log_context() { return context; }

void set_log_context(std::string text) { context = std::move(text); }

}  // namespace kilp::io
