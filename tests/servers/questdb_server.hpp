#pragma once
// The real QuestDB a ctest run shares (tests/servers/questdb/questdb.sh, fixtures
// `questdb` and `questdb_old`), as tests see it: its addresses, SQL over HTTP /exec,
// restarts, and waiting for rows (WAL tables apply asynchronously).
//
//   const QuestDbServer& questdb = QuestDbServer::fixture();
//   const std::string table = QuestDbServer::unique_table("trades");
//   ... kilp --sink questdb.http_sink() --table table ...
//   ASSERT_EQ(questdb.wait_for_rows(table, 1000), 1000);
//   SqlResult rows = questdb.exec("select price from " + table + " order by ts");
//
// Tests share one server per ctest run: each writes tables of its own.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kilp::testing {

// One value of a query's answer, as QuestDB wrote it in JSON.
class SqlValue {
 public:
  enum class Kind { null, boolean, integer, real, text, json };

  static SqlValue make_null() { return SqlValue(Kind::null, false, 0, 0, {}); }
  static SqlValue make_bool(bool value);
  static SqlValue make_int(std::int64_t value);
  static SqlValue make_double(double value);
  static SqlValue make_text(std::string value);
  static SqlValue make_json(std::string minified);  // arrays (DOUBLE[]), objects

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::null; }
  // Each throws std::logic_error naming the value when it is of another kind.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;            // integers too
  const std::string& as_text() const;  // strings, symbols, timestamps, UUIDs
  // The value as JSON text: `null`, `true`, `42`, `1.5`, `"text"`, `[[1.0,2.0]]`.
  std::string json() const;

 private:
  SqlValue(Kind kind, bool boolean, std::int64_t integer, double real, std::string text)
      : kind_(kind), boolean_(boolean), integer_(integer), real_(real), text_(std::move(text)) {}
  Kind kind_;
  bool boolean_;
  std::int64_t integer_;
  double real_;
  std::string text_;
};

struct SqlColumn {
  std::string name;
  std::string type;  // QuestDB's: SYMBOL, LONG, DOUBLE, VARCHAR, TIMESTAMP, DOUBLE[][], ...
};

struct SqlResult {
  std::vector<SqlColumn> columns;
  std::vector<std::vector<SqlValue>> rows;

  // Index of column `name`; throws naming the columns there are.
  std::size_t column(std::string_view name) const;
  const SqlValue& at(std::size_t row, std::string_view column_name) const;
  // Row `row` as a JSON array of its values, e.g. `["AB",42,1.5,null]` (doubles in
  // their shortest round-trip form: 2.0 is `2`), for comparing whole rows at once.
  std::string row_json(std::size_t row) const;
};

// QuestDB refused a query: what it said, and the query.
class SqlError : public std::runtime_error {
 public:
  SqlError(std::string sql, int status, std::string message);
  const std::string& message() const { return message_; }
  int status() const { return status_; }

 private:
  int status_;
  std::string message_;
};

class QuestDbServer {
 public:
  using Duration = std::chrono::milliseconds;

  // The server of fixture `questdb` (the newest version) or `questdb_old` (an ILP
  // protocol 1 server). Throws, naming the env file and the fixture, when the
  // server is not running (the test was not started through ctest).
  static QuestDbServer& fixture();
  static QuestDbServer& old_fixture();

  // Reads STATE_DIR/questdb.env as questdb.sh wrote it.
  QuestDbServer(std::string state_dir, std::string fixture_name);

  const std::string& version() const { return version_; }
  int major_version() const;
  const std::string& http_address() const { return http_; }
  const std::string& ilp_tcp_address() const { return ilp_tcp_; }
  const std::string& pg_address() const { return pg_; }
  std::string http_sink() const { return "http::addr=" + http_ + ";"; }
  std::string tcp_sink() const { return "tcp::addr=" + ilp_tcp_ + ";"; }
  int pid() const { return pid_; }

  // Runs one statement through HTTP /exec; throws SqlError with QuestDB's text.
  SqlResult exec(std::string_view sql) const;

  // Stops the server (SIGTERM, or SIGKILL: a crash) and starts it again on the same
  // ports and data; returns once SQL answers. Throws with the script's output.
  void restart(bool kill = false);

  // Rows in `table` now; 0 when the table does not exist (yet).
  std::int64_t count(std::string_view table) const;
  // Polls count() until it reaches `rows` or `timeout` passes; returns the last count.
  std::int64_t wait_for_rows(std::string_view table, std::int64_t rows,
                             Duration timeout = std::chrono::seconds(60)) const;
  // Waits until QuestDB applied every WAL transaction of `table` committed so far
  // (then count() is final for what was acknowledged); throws if the table is
  // suspended or the time passes.
  void wait_until_applied(std::string_view table,
                          Duration timeout = std::chrono::seconds(60)) const;

  // `base` made unique to this test process: tables of concurrent tests never meet.
  static std::string unique_table(std::string_view base);

 private:
  void load_env();

  std::string state_dir_;
  std::string fixture_name_;
  std::string version_;
  std::string http_;
  std::string ilp_tcp_;
  std::string pg_;
  std::uint16_t http_port_ = 0;
  int pid_ = 0;
};

}  // namespace kilp::testing
