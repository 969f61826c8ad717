#include "tests/testing/service_test_util.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::testing {

std::unique_ptr<grpc::ClientContext> ClientContext(
    const std::string& bearer_token, absl::Duration timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!bearer_token.empty()) {
    ctx->AddMetadata("authorization", "Bearer " + bearer_token);
  }
  return ctx;
}

std::string UniqueEmail(absl::string_view tag) {
  static std::atomic<int> n{0};
  return absl::StrCat(tag, ".", getpid(), ".", n++, "@example.com");
}

int64_t QueryInt64(db::Pool& pool, absl::string_view sql,
                   std::vector<db::Param> params) {
  int64_t n = -1;
  absl::Status s =
      db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
        auto r = tx.Execute(sql, params);
        if (!r.ok()) return r.status();
        auto v = (*r)[0].GetInt64(0);
        if (!v.ok()) return v.status();
        n = *v;
        return absl::OkStatus();
      });
  EXPECT_TRUE(s.ok()) << s;
  return n;
}

absl::Status Exec(db::Pool& pool, absl::string_view sql,
                  std::vector<db::Param> params) {
  return db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
    return tx.Execute(sql, params).status();
  });
}

}  // namespace fineprint::testing
