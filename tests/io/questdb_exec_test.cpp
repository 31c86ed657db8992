// The SQL text of an /exec request survives the URL: every byte but RFC 3986's
// unreserved ones is percent-encoded (quotes, spaces, '&', '=', '#', UTF-8).
#include "io/questdb/questdb_exec.hpp"

#include <gtest/gtest.h>

namespace kilp::io {
namespace {

TEST(QuestDbExec, UrlEncodesEverythingButUnreservedBytes) {
  EXPECT_EQ(url_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(url_encode("SELECT \"a\" FROM t WHERE x = 'a&b#c'"),
            "SELECT%20%22a%22%20FROM%20t%20WHERE%20x%20%3D%20%27a%26b%23c%27");
  EXPECT_EQ(url_encode("\xc3\xa9+%"), "%C3%A9%2B%25");
  EXPECT_EQ(url_encode(""), "");
}

}  // namespace
}  // namespace kilp::io
