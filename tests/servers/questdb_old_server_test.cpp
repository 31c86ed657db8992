// The older test QuestDB (fixture questdb_old): an ILP protocol 1 server.
#include <gtest/gtest.h>

#include "tests/servers/questdb_server.hpp"

namespace kilp::testing {
namespace {

TEST(QuestDbOldServer, IsAnIlpProtocol1Server) {
  const QuestDbServer& old = QuestDbServer::old_fixture();
  EXPECT_LT(old.major_version(), 9) << old.version();
  EXPECT_EQ(old.exec("select 1 x").at(0, "x").as_int(), 1);
}

}  // namespace
}  // namespace kilp::testing
