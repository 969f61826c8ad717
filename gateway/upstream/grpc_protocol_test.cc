#include "gateway/upstream/grpc_protocol.h"

#include <nghttp2/nghttp2.h>

#include "gtest/gtest.h"

namespace fineprint::gateway::upstream {
namespace {

TEST(EncodeGrpcTimeout, MillisecondsRoundedUpThenLargerUnits) {
  EXPECT_EQ(EncodeGrpcTimeout(absl::Seconds(30)), "30000m");
  EXPECT_EQ(EncodeGrpcTimeout(absl::Microseconds(1500)), "2m");
  EXPECT_EQ(EncodeGrpcTimeout(absl::Nanoseconds(1)), "1m");
  EXPECT_EQ(EncodeGrpcTimeout(absl::ZeroDuration()), "1m");
  // 8 digits at most: past 99,999,999 ms (27.7 h) seconds, then hours.
  EXPECT_EQ(EncodeGrpcTimeout(absl::Hours(27)), "97200000m");
  EXPECT_EQ(EncodeGrpcTimeout(absl::Hours(48)), "172800S");
  EXPECT_EQ(EncodeGrpcTimeout(absl::Hours(24 * 1200)), "28800H");
}

TEST(DecodeGrpcMessage, PercentEscapesOnly) {
  EXPECT_EQ(DecodeGrpcMessage("not h%C3%A4r: 100%25"), "not här: 100%");
  EXPECT_EQ(DecodeGrpcMessage("plain"), "plain");
  EXPECT_EQ(DecodeGrpcMessage("bad %zz and end %4"), "bad %zz and end %4");
}

TEST(CodeMapping, AsTheGrpcSpecSays) {
  EXPECT_EQ(CodeForHttpStatus(400), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(CodeForHttpStatus(401), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CodeForHttpStatus(403), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CodeForHttpStatus(404), grpc::StatusCode::UNIMPLEMENTED);
  for (int s : {429, 502, 503, 504}) {
    EXPECT_EQ(CodeForHttpStatus(s), grpc::StatusCode::UNAVAILABLE) << s;
  }
  EXPECT_EQ(CodeForHttpStatus(500), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(CodeForReset(NGHTTP2_REFUSED_STREAM),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(CodeForReset(NGHTTP2_CANCEL), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(CodeForReset(NGHTTP2_ENHANCE_YOUR_CALM),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(CodeForReset(NGHTTP2_INADEQUATE_SECURITY),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CodeForReset(NGHTTP2_PROTOCOL_ERROR), grpc::StatusCode::INTERNAL);
}

}  // namespace
}  // namespace fineprint::gateway::upstream
