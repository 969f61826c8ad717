// Checks the code fp_sql_migrations generates for testdata/.

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/db/test_migrations.h"

namespace fineprint::db {
namespace {

std::string ReadSource(const std::string& path) {
  // Tests run in the runfiles tree, where the sources of data deps are;
  // the .sql files are not data deps, so read via the workspace path.
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(MigrationsMacroTest, SortedIdsRelativeToStripPrefix) {
  const std::vector<Migration> migrations =
      ::fineprint::migrations::TestMigrations();
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(migrations[0].id, "widgets/0001_init.sql");
  EXPECT_EQ(migrations[1].id, "widgets/0002_seed.sql");
  EXPECT_EQ(migrations[2].id, "widgets/0010_counter.sql");
}

TEST(MigrationsMacroTest, BytesAreExact) {
  for (const Migration& m : ::fineprint::migrations::TestMigrations()) {
    const std::string on_disk =
        ReadSource("services/runtime/db/testdata/" + m.id);
    ASSERT_FALSE(on_disk.empty()) << m.id;
    EXPECT_EQ(m.sql, on_disk) << m.id;
    EXPECT_EQ(crypto::Sha256Hex(m.sql), crypto::Sha256Hex(on_disk));
  }
  // The tricky file kept its quotes, backslashes and UTF-8.
  const std::string seed = ::fineprint::migrations::TestMigrations()[1].sql;
  EXPECT_NE(seed.find(")\""), std::string::npos);
  EXPECT_NE(seed.find("\xc5\xbc\xc3\xb3\xc5\x82w"), std::string::npos);
}

}  // namespace
}  // namespace fineprint::db
