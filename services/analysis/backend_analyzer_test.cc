// The external analyser through the breaker, against an in-process fake
// backend served over real gRPC: healthy, failing and slow.

#include "services/analysis/backend_analyzer.h"

#include <atomic>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace fineprint::analysis {
namespace {

enum class Mode { kOk, kFail, kSlow };

class FakeBackend final : public v1::Analyzer::Service {
 public:
  grpc::Status Analyze(grpc::ServerContext*, const v1::AnalyzeRequest* req,
                       v1::AnalyzeResponse* resp) override {
    calls++;
    switch (mode.load()) {
      case Mode::kFail:
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
      case Mode::kSlow:
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        break;
      case Mode::kOk:
        break;
    }
    resp->set_score(55);
    resp->set_grade(v1::GRADE_C);
    resp->set_analyzer_version("ml-7");
    v1::Finding* f = resp->add_findings();
    f->set_category(v1::TRACKING_AND_PROFILING);
    f->set_start_offset(0);
    f->set_end_offset(static_cast<int64_t>(req->text().size()));
    return grpc::Status::OK;
  }
  std::atomic<Mode> mode{Mode::kOk};
  std::atomic<int> calls{0};
};

class BackendAnalyzerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&backend_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    auto stub = v1::Analyzer::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
    BackendOptions options;
    options.deadline = absl::Milliseconds(100);
    options.breaker = {/*failure_threshold=*/2,
                       /*cool_down=*/absl::Milliseconds(300)};
    options.metrics = &registry_;
    analyzer_ = std::make_unique<BackendAnalyzer>(
        std::move(stub),
        [this](const ClaimedJob&,
               const ProgressFn& progress) -> absl::StatusOr<v1::Analysis> {
          fallback_calls_++;
          progress(100, "");
          v1::Analysis a;
          a.set_score(90);
          a.set_analyzer_version("rules-1");
          return a;
        },
        options);
    job_.text = "We track you.";
  }
  void TearDown() override { server_->Shutdown(); }

  absl::StatusOr<v1::Analysis> Run() {
    return analyzer_->Analyze(job_,
                              [](int, absl::string_view) { return true; });
  }
  double Degraded() {
    return registry_.GetCounter("fineprint_analysis_degraded_total", "")
        .Value();
  }

  FakeBackend backend_;
  std::unique_ptr<grpc::Server> server_;
  metrics::Registry registry_;
  std::unique_ptr<BackendAnalyzer> analyzer_;
  ClaimedJob job_;
  int fallback_calls_ = 0;
};

TEST_F(BackendAnalyzerTest, UsesTheBackendWhenHealthy) {
  auto a = Run();
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->score(), 55);
  EXPECT_EQ(a->analyzer_version(), "ml-7");
  EXPECT_FALSE(a->degraded());
  EXPECT_EQ(fallback_calls_, 0);
  EXPECT_EQ(Degraded(), 0);
}

TEST_F(BackendAnalyzerTest, FallsBackWhenDownAndStopsCallingOnceOpen) {
  backend_.mode = Mode::kFail;
  for (int i = 0; i < 4; ++i) {
    auto a = Run();
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_TRUE(a->degraded());
    EXPECT_EQ(a->score(), 90);
  }
  // Two failures opened the circuit; the last two never reached the backend.
  EXPECT_EQ(backend_.calls.load(), 2);
  EXPECT_EQ(analyzer_->breaker().state(),
            resilience::CircuitBreaker::State::kOpen);
  EXPECT_EQ(Degraded(), 4);

  // After the cool-down a healthy backend closes the circuit again.
  backend_.mode = Mode::kOk;
  absl::SleepFor(absl::Milliseconds(350));
  auto a = Run();
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->degraded());
  EXPECT_EQ(analyzer_->breaker().state(),
            resilience::CircuitBreaker::State::kClosed);
}

TEST_F(BackendAnalyzerTest, ASlowBackendHitsTheDeadlineAndFallsBack) {
  backend_.mode = Mode::kSlow;
  const absl::Time start = absl::Now();
  auto a = Run();
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->degraded());
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(280));
  EXPECT_EQ(Degraded(), 1);
}

}  // namespace
}  // namespace fineprint::analysis
