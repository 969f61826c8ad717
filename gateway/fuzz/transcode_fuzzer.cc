// Fuzzes HTTP -> request message translation over the test contract
// (gateway/testdata/transcode_test.proto). Input: one selector byte picking
// a route, then "query\nbody". Any input must yield a message or an
// INVALID_ARGUMENT; and an accepted message must serialize and render as
// JSON again.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/api/api_config.h"
#include "gateway/testdata/test_api.h"
#include "gateway/transcode/request_transcoder.h"
#include "gateway/transcode/response_transcoder.h"

namespace {

using fineprint::gateway::api::ApiConfig;
using fineprint::gateway::routing::MatchResult;

const ApiConfig* Config() {
  static const std::shared_ptr<const ApiConfig> config = [] {
    const char* path = std::getenv("FINEPRINT_FUZZ_DESCRIPTOR_SET");
    auto loaded = path != nullptr ? ApiConfig::FromFile(path)
                                  : fineprint::gateway::testing::LoadTestApi();
    if (!loaded.ok()) std::abort();
    return *loaded;
  }();
  return config.get();
}

struct Target {
  const char* method;
  const char* path;
};

constexpr Target kTargets[] = {
    {"GET", "/v1/shelves/s1/items/i1"},
    {"GET", "/v1/items"},
    {"POST", "/v1/shelves/s1/items"},
    {"PATCH", "/v1/shelves/s1/items/i1"},
    {"POST", "/v1/shelves/s1/items/i1:act"},
    {"PUT", "/v1/shelves/s1/items/i1/tags"},
    {"HEAD", "/v1/files/a/b"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ApiConfig* config = Config();
  const Target& target =
      kTargets[data[0] % (sizeof(kTargets) / sizeof(kTargets[0]))];
  absl::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = rest.find('\n');
  absl::string_view query = rest.substr(0, nl);
  absl::string_view body =
      nl == absl::string_view::npos ? absl::string_view() : rest.substr(nl + 1);

  MatchResult m = config->routes().Match(target.method, target.path);
  if (m.kind != MatchResult::Kind::kMatched) std::abort();
  const auto& info = config->method(m.route->target.id);
  std::unique_ptr<google::protobuf::Message> msg(
      config->factory().GetPrototype(info.method->input_type())->New());
  fineprint::gateway::transcode::HttpRequestParts parts;
  parts.bindings = &m.bindings;
  parts.query = query;
  parts.body = body;
  parts.body_field = m.route->target.body;
  fineprint::gateway::transcode::RequestOptions options;
  options.allow_unknown_query_params = (data[0] & 0x80) != 0;
  absl::Status s = fineprint::gateway::transcode::TranscodeRequest(
      parts, options, &config->type_resolver(), msg.get());
  if (!s.ok()) {
    if (s.code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  std::string wire;
  if (!msg->SerializeToString(&wire)) std::abort();
  auto json = fineprint::gateway::transcode::TranscodeResponse(
      *msg, "", {}, &config->type_resolver());
  if (!json.ok()) std::abort();
  return 0;
}
