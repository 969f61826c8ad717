#include "services/runtime/metrics/metrics.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace fineprint::metrics {
namespace {

TEST(MetricsTest, CounterSeriesAreKeyedByLabels) {
  Registry r;
  r.GetCounter("rpc_total", "RPCs", {{"code", "OK"}}).Increment();
  r.GetCounter("rpc_total", "RPCs", {{"code", "OK"}}).Increment(2);
  r.GetCounter("rpc_total", "RPCs", {{"code", "NOT_FOUND"}}).Increment();
  const std::string text = r.Expose();
  EXPECT_NE(text.find("# TYPE rpc_total counter"), std::string::npos);
  EXPECT_NE(text.find("rpc_total{code=\"OK\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("rpc_total{code=\"NOT_FOUND\"} 1\n"), std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry r;
  Histogram& h = r.GetHistogram("lat", "latency", {{"m", "x"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  const std::string text = r.Expose();
  EXPECT_NE(text.find("lat_bucket{m=\"x\",le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{m=\"x\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{m=\"x\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("lat_count{m=\"x\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_sum{m=\"x\"} 5.55\n"), std::string::npos);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(FormatLabels({{"a", "x\"y\\z\n"}}), "{a=\"x\\\"y\\\\z\\n\"}");
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Registry r;
  Counter& c = r.GetCounter("c", "c");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.Increment();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000);
}

TEST(MetricsTest, GaugeSetAndAdd) {
  Registry r;
  Gauge& g = r.GetGauge("g", "g");
  g.Set(5);
  g.Add(-2);
  EXPECT_EQ(g.Value(), 3);
}

}  // namespace
}  // namespace fineprint::metrics
