#include "services/runtime/status/status.h"

#include "gtest/gtest.h"

namespace fineprint::status {
namespace {

TEST(StatusTest, InvalidArgumentCarriesFieldViolationsAcrossGrpc) {
  absl::Status s = InvalidArgument(
      "bad input", {{"email", "not an email"}, {"password", "too short"}},
      "WEAK_INPUT");
  grpc::Status g = ToGrpc(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(g.error_message(), "bad input");

  absl::Status back = FromGrpc(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest br;
  ASSERT_TRUE(GetDetail(back, &br));
  ASSERT_EQ(br.field_violations_size(), 2);
  EXPECT_EQ(br.field_violations(0).field(), "email");
  EXPECT_EQ(br.field_violations(1).description(), "too short");
  EXPECT_EQ(Reason(back), "WEAK_INPUT");
}

TEST(StatusTest, EveryErrorGetsAnErrorInfo) {
  google::rpc::Status rpc = ToRpcStatus(absl::NotFoundError("no such user"));
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "NOT_FOUND");
  EXPECT_EQ(info.domain(), kErrorDomain);
}

TEST(StatusTest, InternalPayloadsDoNotCrossTheWire) {
  absl::Status s = absl::AlreadyExistsError("dup");
  s.SetPayload("fineprint.db/sqlstate", absl::Cord("23505"));
  google::rpc::Status rpc = ToRpcStatus(s);
  for (const auto& any : rpc.details()) {
    EXPECT_NE(any.type_url(), "fineprint.db/sqlstate");
  }
}

TEST(StatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
  EXPECT_TRUE(WithReason(absl::OkStatus(), "X").ok());
}

TEST(StatusTest, PlainGrpcErrorWithoutDetails) {
  absl::Status s =
      FromGrpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "down");
}

absl::StatusOr<int> Half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  FP_ASSIGN_OR_RETURN(int h, Half(x));
  FP_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::status
