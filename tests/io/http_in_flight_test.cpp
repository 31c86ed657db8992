// UringHttpSink with several requests in flight (max_in_flight), against a
// loopback server whose answers the test releases one by one: that proves
// requests overlap (they are all at the server before any is answered) without
// timing anything, and lets answers arrive in any order, fail, refuse a row or
// lose their connection, while the sink must still report buffers done in
// submission order, each once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/ilp/http_ilp_sink.hpp"
#include "tests/io/http_test_requests.hpp"
#include "tests/support/loopback_socket.hpp"

namespace kilp::io {
namespace {

using namespace std::chrono_literals;

struct Request {
  std::size_t connection = 0;  // 1-based, in accept order
  std::string body;
  bool answered = false;
};

// Keeps every request until the test answers it: answer(i, response) sends the
// raw response on request i's connection; drop(i) resets that connection.
class GatedHttpServer {
 public:
  // Connections beyond `max_connections` open at once are reset on accept, as a
  // server at its connection limit does.
  explicit GatedHttpServer(std::size_t max_connections = 64) : max_connections_(max_connections) {
    listener_ = kilp::testing::listen_on_loopback(port_);
    thread_ = std::thread([this] { run(); });
  }
  ~GatedHttpServer() {
    stop_ = true;
    thread_.join();
    for (auto& [number, connection] : connections_) ::close(connection.fd);
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }

  // Waits until `count` requests arrived (or 10 s); returns how many did.
  std::size_t wait_for_requests(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 10s, [&] { return requests_.size() >= count; });
    return requests_.size();
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return {requests_.begin(), requests_.end()};
  }
  std::size_t connections() const { return accepted_.load(); }
  std::size_t turned_away() const { return turned_away_.load(); }

  void answer(std::size_t request, std::string response) {
    std::lock_guard lock(mutex_);
    actions_.push_back({request, std::move(response), false});
  }
  void ok(std::size_t request) { answer(request, "HTTP/1.1 204 No Content\r\n\r\n"); }
  void drop(std::size_t request) {
    std::lock_guard lock(mutex_);
    actions_.push_back({request, {}, true});
  }

 private:
  struct Connection {
    int fd = -1;
    std::string input;
  };
  struct Action {
    std::size_t request;
    std::string response;
    bool drop;
  };

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      std::vector<std::size_t> numbers{0};
      for (auto& [number, connection] : connections_) {
        fds.push_back({connection.fd, POLLIN, 0});
        numbers.push_back(number);
      }
      ::poll(fds.data(), fds.size(), 5);
      if (fds[0].revents & POLLIN) {
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0 && connections_.size() >= max_connections_) {
          const linger reset{1, 0};
          ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
          ::close(fd);
          ++turned_away_;
        } else if (fd >= 0) {
          connections_[++accepted_] = Connection{fd, {}};
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents != 0) read_from(numbers[i]);
      }
      carry_out_actions();
    }
  }

  void read_from(std::size_t number) {
    Connection& connection = connections_[number];
    char chunk[65536];
    const ssize_t n = ::read(connection.fd, chunk, sizeof chunk);
    if (n <= 0) {
      ::close(connection.fd);
      connections_.erase(number);
      return;
    }
    connection.input.append(chunk, static_cast<std::size_t>(n));
    std::string body;
    while (testing::take_request_body(connection.input, body)) {
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({number, body, false});
      }
      changed_.notify_all();
    }
  }

  void carry_out_actions() {
    std::deque<Action> actions;
    {
      std::lock_guard lock(mutex_);
      actions.swap(actions_);
    }
    for (Action& action : actions) {
      std::size_t number = 0;
      {
        std::lock_guard lock(mutex_);
        Request& request = requests_.at(action.request);
        request.answered = true;
        number = request.connection;
      }
      auto it = connections_.find(number);
      if (it == connections_.end()) continue;
      if (action.drop) {
        const linger reset{1, 0};
        ::setsockopt(it->second.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(it->second.fd);
        connections_.erase(it);
        continue;
      }
      ::send(it->second.fd, action.response.data(), action.response.size(), MSG_NOSIGNAL);
    }
  }

  std::size_t max_connections_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> turned_away_{0};
  std::map<std::size_t, Connection> connections_;  // server thread only
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Request> requests_;
  std::deque<Action> actions_;
  std::thread thread_;
};

class Rejections final : public RowRejectionListener {
 public:
  // Messages of `rows_per_message` rows each (--explode writes several).
  RowRange message_rows(BufferId, std::size_t row) const override {
    const std::size_t first = row - row % rows_per_message;
    return {first, first + rows_per_message - 1};
  }
  void on_message_rejected(BufferId buffer, RowRange rows, std::string_view reason) override {
    for (std::size_t row = rows.first; row <= rows.last; ++row) {
      seen.push_back({buffer, row, std::string(reason)});
    }
  }
  struct Seen {
    BufferId buffer;
    std::size_t row;
    std::string reason;
  };
  std::vector<Seen> seen;
  std::size_t rows_per_message = 1;
};

// A sink with `slots` buffers of `rows` rows each submitted at once.
struct Fixture {
  explicit Fixture(std::size_t in_flight, std::size_t slots = 4, std::size_t rows = 10,
                   std::size_t server_connections = 64)
      : server(server_connections) {
    HttpSinkConfig config;
    config.addr.host = "127.0.0.1";
    config.addr.port = server.port();
    config.protocol_version = 1;
    config.max_in_flight = in_flight;
    sink = std::make_unique<UringHttpSink>(config, slots);
    sink->set_row_rejection_listener(&rejections);
    bytes.resize(slots);
    ends.resize(slots);
    for (std::size_t b = 0; b < slots; ++b) bytes[b] = testing::numbered_rows(b, rows, ends[b]);
  }
  void submit_all() {
    for (std::size_t b = 0; b < bytes.size(); ++b) {
      sink->submit_rows(static_cast<BufferId>(b), bytes[b], ends[b]);
    }
  }
  // Submits every buffer and polls until all of them are at the server.
  std::vector<Request> submit_all_until_at_server() {
    submit_all();
    pump_until_requests(bytes.size());
    return server.requests();
  }
  // Polls without waiting long; the ids reported done so far, in order.
  std::vector<BufferId> poll_done(std::chrono::milliseconds wait = 50ms) {
    std::array<BufferId, 16> done{};
    const std::size_t n = sink->poll(wait, done);
    reported.insert(reported.end(), done.begin(), done.begin() + n);
    return reported;
  }
  // Polls until `count` buffers were reported done (or 10 s).
  std::vector<BufferId> poll_until(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (reported.size() < count && std::chrono::steady_clock::now() < deadline) poll_done();
    return reported;
  }
  // Polls until the server has `count` requests (the sink must keep moving to send them).
  void pump_until_requests(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server.requests().size() < count && std::chrono::steady_clock::now() < deadline) {
      poll_done(5ms);
    }
    ASSERT_GE(server.requests().size(), count);
  }

  GatedHttpServer server;
  Rejections rejections;
  std::unique_ptr<UringHttpSink> sink;
  std::vector<std::string> bytes;
  std::vector<std::vector<std::uint32_t>> ends;
  std::vector<BufferId> reported;
};

// The request index whose body is buffer `b`'s first row onwards.
std::size_t request_of(const std::vector<Request>& requests, const std::string& body) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].body == body && !requests[i].answered) return i;
  }
  return requests.size();
}

const std::vector<BufferId> kAllFour{0, 1, 2, 3};

TEST(HttpInFlight, FourBuffersAreAtTheServerBeforeAnyIsAnsweredEachOnItsOwnConnection) {
  Fixture f(4);
  const std::vector<Request> requests = f.submit_all_until_at_server();
  std::vector<std::size_t> connections;
  for (const Request& r : requests) connections.push_back(r.connection);
  std::sort(connections.begin(), connections.end());
  EXPECT_EQ(connections, (std::vector<std::size_t>{1, 2, 3, 4}));
  EXPECT_TRUE(f.poll_done().empty());
  for (std::size_t i = 0; i < 4; ++i) f.server.ok(i);
  EXPECT_EQ(f.poll_until(4), kAllFour);
  EXPECT_EQ(f.sink->requests_sent(), 4u);
  EXPECT_EQ(f.sink->retries(), 0u);
  EXPECT_EQ(f.sink->pending(), 0u);
}

TEST(HttpInFlight, LaterAnswersWaitForTheEarlierBuffersAndAreReportedInOrder) {
  Fixture f(4);
  const std::vector<Request> requests = f.submit_all_until_at_server();
  for (std::size_t b : {3u, 2u, 1u}) f.server.ok(request_of(requests, f.bytes[b]));
  // Buffers 1-3 are accepted, but buffer 0 is not: nothing may be reported.
  const auto until = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < until) EXPECT_TRUE(f.poll_done().empty());
  EXPECT_EQ(f.sink->pending(), 4u);  // accepted, but not reported before buffer 0
  f.server.ok(request_of(requests, f.bytes[0]));
  EXPECT_EQ(f.poll_until(4), kAllFour);
}

TEST(HttpInFlight, AFailedRequestIsRetriedWithTheSameBytesWhileTheOthersFinish) {
  Fixture f(4);
  std::vector<Request> requests = f.submit_all_until_at_server();
  const std::size_t failing = request_of(requests, f.bytes[1]);
  f.server.answer(failing, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
  for (std::size_t b : {0u, 2u, 3u}) f.server.ok(request_of(requests, f.bytes[b]));
  f.pump_until_requests(5);
  requests = f.server.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[4].body, f.bytes[1]);
  EXPECT_EQ(requests[4].connection, requests[failing].connection);  // kept its connection
  EXPECT_EQ(f.poll_done(), (std::vector<BufferId>{0}));
  f.server.ok(4);
  EXPECT_EQ(f.poll_until(4), kAllFour);
  EXPECT_EQ(f.sink->retries(), 1u);
}

TEST(HttpInFlight, ABufferWhoseConnectionDiesMidRequestGoesAgainOnAHealthyConnection) {
  Fixture f(4);
  std::vector<Request> requests = f.submit_all_until_at_server();
  for (std::size_t b : {0u, 1u, 3u}) f.server.ok(request_of(requests, f.bytes[b]));
  EXPECT_EQ(f.poll_until(2), (std::vector<BufferId>{0, 1}));
  const std::size_t dropped = request_of(requests, f.bytes[2]);
  f.server.drop(dropped);
  f.pump_until_requests(5);
  requests = f.server.requests();
  EXPECT_EQ(requests[4].body, f.bytes[2]);
  // Not the reset connection, and not a new one: a connection that was free.
  EXPECT_NE(requests[4].connection, requests[dropped].connection);
  EXPECT_LE(requests[4].connection, 4u);
  f.server.ok(4);
  EXPECT_EQ(f.poll_until(4), kAllFour);
  EXPECT_EQ(f.sink->retries(), 1u);
}

TEST(HttpInFlight, ABrokenConnectionWithNoFreeConnectionReconnectsAloneAndSendsTheSameBytes) {
  Fixture f(4);
  std::vector<Request> requests = f.submit_all_until_at_server();
  f.server.drop(request_of(requests, f.bytes[2]));  // the others are all still busy
  f.pump_until_requests(5);
  requests = f.server.requests();
  EXPECT_EQ(requests[4].body, f.bytes[2]);
  EXPECT_EQ(requests[4].connection, 5u);  // its own new connection; the other three stayed open
  for (std::size_t b : {0u, 1u, 3u}) f.server.ok(request_of(requests, f.bytes[b]));
  f.server.ok(4);
  EXPECT_EQ(f.poll_until(4), kAllFour);
  EXPECT_EQ(f.sink->connects(), 5u);
}

TEST(HttpInFlight, AServerAtItsConnectionLimitStillGetsEveryBufferOverTheConnectionsItTook) {
  Fixture f(4, 8, 10, 2);
  f.submit_all();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::size_t answered = 0;
  while (f.reported.size() < 8 && std::chrono::steady_clock::now() < deadline) {
    f.poll_done(5ms);
    const std::vector<Request> requests = f.server.requests();
    for (; answered < requests.size(); ++answered) f.server.ok(answered);
  }
  EXPECT_EQ(f.reported, (std::vector<BufferId>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(f.server.connections(), 2u);
  EXPECT_GE(f.server.turned_away(), 1u);
  std::vector<std::string> bodies;
  for (const Request& r : f.server.requests()) bodies.push_back(r.body);
  EXPECT_EQ(bodies.size(), 8u);  // each buffer once: none went out on a refused connection
}

TEST(HttpInFlight, ARefusedRowOfALaterBufferIsReportedAndTheRestOfItsBufferResent) {
  Fixture f(4);
  std::vector<Request> requests = f.submit_all_until_at_server();
  const std::string error =
      R"({"code":"invalid","message":"bad value in line 4","line":4,"errorId":"x"})";
  f.server.answer(request_of(requests, f.bytes[2]),
                  "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(error.size()) + "\r\n\r\n" + error);
  // Rows 0-2 of buffer 2 go again as their own request, then rows 4-9.
  f.pump_until_requests(5);
  requests = f.server.requests();
  const std::string first_three = f.bytes[2].substr(0, f.ends[2][2]);
  EXPECT_EQ(requests[4].body, first_three);
  f.server.ok(4);
  f.pump_until_requests(6);
  requests = f.server.requests();
  EXPECT_EQ(requests[5].body, f.bytes[2].substr(f.ends[2][3]));
  ASSERT_EQ(f.rejections.seen.size(), 1u);
  EXPECT_EQ(f.rejections.seen[0].buffer, 2u);
  EXPECT_EQ(f.rejections.seen[0].row, 3u);
  EXPECT_EQ(f.rejections.seen[0].reason, "bad value in line 4");
  EXPECT_TRUE(f.poll_done().empty());  // buffers 0 and 1 are still unanswered
  for (std::size_t b : {0u, 1u, 3u}) f.server.ok(request_of(requests, f.bytes[b]));
  f.server.ok(5);
  EXPECT_EQ(f.poll_until(4), kAllFour);
}

std::string bad_request(const std::string& json_error) {
  return "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(json_error.size()) + "\r\n\r\n" + json_error;
}

// Rows `first` to `last` (included) of buffer 0.
std::string rows_of(const Fixture& f, std::size_t first, std::size_t last) {
  const std::size_t begin = first == 0 ? 0 : f.ends[0][first - 1];
  return f.bytes[0].substr(begin, f.ends[0][last] - begin);
}

TEST(HttpInFlight, ARefusedRowTakesTheOtherRowsOfItsMessageWithIt) {
  Fixture f(1, 1);
  f.rejections.rows_per_message = 2;  // rows 0-1, 2-3, ...: one message each
  std::vector<Request> requests = f.submit_all_until_at_server();
  f.server.answer(0, bad_request(R"({"code":"invalid","message":"bad","line":4,"errorId":"x"})"));
  // Line 4 is row 3, the second row of message 2-3: rows 0-1 go again alone, never row 2.
  f.pump_until_requests(2);
  EXPECT_EQ(f.server.requests()[1].body, rows_of(f, 0, 1));
  f.server.ok(1);
  f.pump_until_requests(3);
  EXPECT_EQ(f.server.requests()[2].body, rows_of(f, 4, 9));
  f.server.ok(2);
  EXPECT_EQ(f.poll_until(1), (std::vector<BufferId>{0}));
  ASSERT_EQ(f.rejections.seen.size(), 2u);
  EXPECT_EQ(f.rejections.seen[0].row, 2u);
  EXPECT_EQ(f.rejections.seen[1].row, 3u);
  EXPECT_EQ(f.sink->rows_rejected(), 2u);
}

TEST(HttpInFlight, HalvingWithoutALineNumberNeverSplitsAMessage) {
  Fixture f(1, 1);
  f.rejections.rows_per_message = 2;
  f.submit_all();
  const std::string refused = bad_request(R"({"code":"invalid","message":"no line"})");
  // Message 6-7 is the bad one: every request that holds it is refused.
  std::vector<std::string> bodies;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (f.reported.empty() && std::chrono::steady_clock::now() < deadline) {
    f.poll_done(5ms);
    const std::vector<Request> requests = f.server.requests();
    for (std::size_t i = bodies.size(); i < requests.size(); ++i) {
      bodies.push_back(requests[i].body);
      const bool holds_bad = requests[i].body.find(rows_of(f, 6, 6)) != std::string::npos;
      if (holds_bad) {
        f.server.answer(i, refused);
      } else {
        f.server.ok(i);
      }
    }
  }
  EXPECT_EQ(f.reported, (std::vector<BufferId>{0}));
  // Each request starts and ends at a message boundary.
  for (const std::string& body : bodies) {
    bool at_boundary = false;
    for (std::size_t first = 0; first < 10; first += 2) {
      for (std::size_t last = first + 1; last < 10; last += 2) {
        at_boundary = at_boundary || body == rows_of(f, first, last);
      }
    }
    EXPECT_TRUE(at_boundary) << body;
  }
  EXPECT_EQ(bodies.back(), rows_of(f, 8, 9));
  ASSERT_EQ(f.rejections.seen.size(), 2u);
  EXPECT_EQ(f.rejections.seen[0].row, 6u);
  EXPECT_EQ(f.rejections.seen[1].row, 7u);
}

TEST(HttpInFlight, ConnectionsOpenOnlyWhenThereIsWorkForThem) {
  Fixture f(4);
  for (std::size_t round = 0; round < 3; ++round) {
    f.sink->submit_rows(0, f.bytes[0], f.ends[0]);
    f.pump_until_requests(round + 1);
    f.server.ok(round);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (f.sink->pending() > 0 && std::chrono::steady_clock::now() < deadline) f.poll_done();
  }
  EXPECT_EQ(f.server.connections(), 1u);  // one buffer at a time needs one connection
}

TEST(HttpInFlight, RequestsInFlightAreBoundedByTheBuffersAndByTheSetting) {
  EXPECT_EQ(Fixture(8, 3).sink->max_in_flight(), 3u);
  Fixture f(2);
  EXPECT_EQ(f.sink->max_in_flight(), 2u);
  f.submit_all();
  f.pump_until_requests(2);
  EXPECT_TRUE(f.poll_done().empty());
  EXPECT_EQ(f.server.requests().size(), 2u);  // the other two wait for a free connection
  f.server.ok(0);
  f.pump_until_requests(3);
  f.server.ok(1);
  f.pump_until_requests(4);
  f.server.ok(2);
  f.server.ok(3);
  EXPECT_EQ(f.poll_until(4), kAllFour);
  EXPECT_EQ(f.server.connections(), 2u);
}

}  // namespace
}  // namespace kilp::io
