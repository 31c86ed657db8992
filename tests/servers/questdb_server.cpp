#include "tests/servers/questdb_server.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <map>
#include <thread>

#include "tests/support/loopback_http.hpp"

namespace kilp::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kQueryTimeout = 60s;
constexpr auto kPollInterval = 100ms;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

std::uint16_t port_of(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  unsigned port = 0;
  if (colon != std::string::npos) {
    std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  }
  return static_cast<std::uint16_t>(port);
}

SqlValue to_value(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return SqlValue::make_null();
    case simdjson::dom::element_type::BOOL:
      return SqlValue::make_bool(element.get_bool().value());
    case simdjson::dom::element_type::INT64:
      return SqlValue::make_int(element.get_int64().value());
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return SqlValue::make_double(element.get_double().value());
    case simdjson::dom::element_type::STRING:
      return SqlValue::make_text(std::string(element.get_string().value()));
    case simdjson::dom::element_type::ARRAY:
    case simdjson::dom::element_type::OBJECT:
      return SqlValue::make_json(simdjson::minify(element));
  }
  return SqlValue::make_null();
}

// QuestDB's type name; an array's is written as in SQL (`DOUBLE[][]`), from the
// element type and dimensions /exec gives apart.
std::string type_of(simdjson::dom::element column) {
  std::string type(column["type"].get_string().value());
  std::string_view element;
  std::int64_t dimensions = 0;
  if (type == "ARRAY" && column["elemType"].get(element) == simdjson::SUCCESS &&
      column["dim"].get(dimensions) == simdjson::SUCCESS) {
    type = element;
    for (std::int64_t i = 0; i < dimensions; ++i) type += "[]";
  }
  return type;
}

SqlResult parse_result(std::string_view sql, const HttpReply& reply) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(reply.body).get(doc) != simdjson::SUCCESS) {
    throw SqlError(std::string(sql), reply.status, "answer is not JSON: " + reply.body);
  }
  std::string_view error;
  const bool refused = doc["error"].get(error) == simdjson::SUCCESS;
  if (refused || reply.status != 200) {
    throw SqlError(std::string(sql), reply.status, error.empty() ? reply.body : std::string(error));
  }
  SqlResult result;
  simdjson::dom::array columns, dataset;
  if (doc["columns"].get(columns) != simdjson::SUCCESS) return result;  // DDL, INSERT
  for (simdjson::dom::element column : columns) {
    result.columns.push_back({std::string(column["name"].get_string().value()), type_of(column)});
  }
  if (doc["dataset"].get(dataset) != simdjson::SUCCESS) return result;
  for (simdjson::dom::element row : dataset) {
    std::vector<SqlValue>& values = result.rows.emplace_back();
    const simdjson::dom::array cells = row.get_array();
    for (simdjson::dom::element cell : cells) values.push_back(to_value(cell));
  }
  return result;
}

// Runs questdb.sh with `args`, its output to `output_path`; returns the exit code.
int run_script(const std::vector<std::string>& args, const std::string& output_path) {
  std::vector<char*> argv;
  std::vector<std::string> all = {"/bin/bash", KILP_QUESTDB_SCRIPT};
  all.insert(all.end(), args.begin(), args.end());
  for (std::string& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Built by appending: GCC 12 warns (-Wrestrict) on "\"" + std::string.
std::string quoted(std::string_view table) {
  std::string text(1, '"');
  text.append(table);
  text += '"';
  return text;
}

}  // namespace

SqlValue SqlValue::make_bool(bool value) {
  return SqlValue(Kind::boolean, value, 0, 0, {});
}

SqlValue SqlValue::make_int(std::int64_t value) {
  return SqlValue(Kind::integer, false, value, 0, {});
}

SqlValue SqlValue::make_double(double value) {
  return SqlValue(Kind::real, false, 0, value, {});
}

SqlValue SqlValue::make_text(std::string value) {
  return SqlValue(Kind::text, false, 0, 0, std::move(value));
}

SqlValue SqlValue::make_json(std::string minified) {
  return SqlValue(Kind::json, false, 0, 0, std::move(minified));
}

bool SqlValue::as_bool() const {
  if (kind_ != Kind::boolean) throw std::logic_error("not a boolean: " + json());
  return boolean_;
}

std::int64_t SqlValue::as_int() const {
  if (kind_ != Kind::integer) throw std::logic_error("not an integer: " + json());
  return integer_;
}

double SqlValue::as_double() const {
  if (kind_ == Kind::integer) return static_cast<double>(integer_);
  if (kind_ != Kind::real) throw std::logic_error("not a number: " + json());
  return real_;
}

const std::string& SqlValue::as_text() const {
  if (kind_ != Kind::text) throw std::logic_error("not a string: " + json());
  return text_;
}

std::string SqlValue::json() const {
  switch (kind_) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return boolean_ ? "true" : "false";
    case Kind::integer:
      return std::to_string(integer_);
    case Kind::real: {
      char buffer[32];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, real_).ptr;
      return std::string(buffer, end);
    }
    case Kind::text: {
      std::string quoted = "\"";
      for (const char c : text_) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
      }
      return quoted + "\"";
    }
    case Kind::json:
      return text_;
  }
  return "?";
}

std::size_t SqlResult::column(std::string_view name) const {
  std::string names;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
    names += (i == 0 ? "" : ", ") + columns[i].name;
  }
  throw std::out_of_range("no column '" + std::string(name) + "' in the answer (columns: " + names +
                          ")");
}

const SqlValue& SqlResult::at(std::size_t row, std::string_view column_name) const {
  return rows.at(row).at(column(column_name));
}

std::string SqlResult::row_json(std::size_t row) const {
  std::string text = "[";
  for (const SqlValue& value : rows.at(row)) {
    if (text.size() > 1) text += ',';
    text += value.json();
  }
  return text + "]";
}

SqlError::SqlError(std::string sql, int status, std::string message)
    : std::runtime_error("QuestDB refused `" + sql + "` (HTTP " + std::to_string(status) +
                         "): " + message),
      status_(status),
      message_(std::move(message)) {}

QuestDbServer& QuestDbServer::fixture() {
  static QuestDbServer server(KILP_BINARY_DIR "/servers/questdb", "questdb");
  return server;
}

QuestDbServer& QuestDbServer::old_fixture() {
  static QuestDbServer server(KILP_BINARY_DIR "/servers/questdb_old", "questdb_old");
  return server;
}

QuestDbServer::QuestDbServer(std::string state_dir, std::string fixture_name)
    : state_dir_(std::move(state_dir)), fixture_name_(std::move(fixture_name)) {
  load_env();
}

void QuestDbServer::load_env() {
  const std::string path = state_dir_ + "/questdb.env";
  const std::map<std::string, std::string> env = read_env_file(path);
  if (env.empty()) {
    throw std::runtime_error("no QuestDB: " + path + " is missing; run through ctest (fixture " +
                             fixture_name_ +
                             "), e.g. ctest -R <test>, or start one with "
                             "tests/servers/questdb/questdb.sh start " +
                             state_dir_);
  }
  auto get = [&](const std::string& key) {
    const auto it = env.find(key);
    if (it == env.end()) throw std::runtime_error(path + " has no '" + key + "'");
    return it->second;
  };
  version_ = get("version");
  http_ = get("http");
  ilp_tcp_ = get("ilp_tcp");
  pg_ = get("pg");
  pid_ = std::stoi(get("pid"));
  http_port_ = port_of(http_);
}

int QuestDbServer::major_version() const {
  return std::stoi(version_);
}

SqlResult QuestDbServer::exec(std::string_view sql) const {
  const HttpReply reply =
      http_request(http_port_, "GET", "/exec?query=" + url_encode(sql), kQueryTimeout);
  if (reply.status == 0) {
    throw SqlError(std::string(sql), 0,
                   "no answer from QuestDB at " + http_ + " (fixture " + fixture_name_ + ")");
  }
  return parse_result(sql, reply);
}

void QuestDbServer::restart(bool kill) {
  const std::string output = state_dir_ + "/restart.out";
  std::vector<std::string> args = {"restart", state_dir_};
  if (kill) args.push_back("--kill");
  const int code = run_script(args, output);
  if (code != 0) {
    throw std::runtime_error("questdb.sh restart " + state_dir_ + " failed (exit " +
                             std::to_string(code) + "): " + read_text(output));
  }
  load_env();
}

std::int64_t QuestDbServer::count(std::string_view table) const {
  try {
    return exec("select count() from " + quoted(table)).rows.at(0).at(0).as_int();
  } catch (const SqlError& error) {
    if (error.message().find("does not exist") != std::string::npos) return 0;
    throw;
  }
}

std::int64_t QuestDbServer::wait_for_rows(std::string_view table, std::int64_t rows,
                                          Duration timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::int64_t now = count(table);
  while (now < rows && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kPollInterval);
    now = count(table);
  }
  return now;
}

void QuestDbServer::wait_until_applied(std::string_view table, Duration timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string sql =
      "select suspended, writerTxn, sequencerTxn from wal_tables() where name = '" +
      std::string(table) + "'";
  for (;;) {
    const SqlResult state = exec(sql);
    if (state.rows.empty()) throw std::runtime_error("no WAL table " + std::string(table));
    if (state.at(0, "suspended").as_bool()) {
      throw std::runtime_error("WAL table " + std::string(table) + " is suspended");
    }
    const std::int64_t applied = state.at(0, "writerTxn").as_int();
    const std::int64_t committed = state.at(0, "sequencerTxn").as_int();
    if (applied >= committed) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("WAL table " + std::string(table) + " applied " +
                               std::to_string(applied) + " of " + std::to_string(committed) +
                               " transactions in time");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string QuestDbServer::unique_table(std::string_view base) {
  return std::string(base) + "_" + std::to_string(::getpid());
}

}  // namespace kilp::testing
