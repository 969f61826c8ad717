#ifndef FINEPRINT_SERVICES_RUNTIME_METRICS_METRICS_H_
#define FINEPRINT_SERVICES_RUNTIME_METRICS_METRICS_H_

// A small Prometheus client: counters, gauges and histograms with labels,
// exposed in the text format on the admin port. Handles returned by the
// registry live as long as the registry, so hot paths look a series up once
// and then only touch atomics.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace fineprint::metrics {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Increment(double v = 1) {
    value_.fetch_add(v, std::memory_order_relaxed);
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound, then +Inf.
  std::vector<uint64_t> CumulativeCounts() const;
  const std::vector<double>& bounds() const { return bounds_; }
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Latency buckets in seconds, from 250 µs to 10 s.
std::vector<double> DefaultLatencyBuckets();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process-wide registry served on /metrics.
  static Registry& Default();

  Counter& GetCounter(absl::string_view name, absl::string_view help,
                      const Labels& labels = {});
  Gauge& GetGauge(absl::string_view name, absl::string_view help,
                  const Labels& labels = {});
  Histogram& GetHistogram(absl::string_view name, absl::string_view help,
                          const Labels& labels = {},
                          std::vector<double> bounds = DefaultLatencyBuckets());

  // Prometheus text exposition format 0.0.4.
  std::string Expose() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(absl::string_view name, absl::string_view help, Type type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

// `{a="x",b="y"}` with values escaped, or "" for no labels.
std::string FormatLabels(const Labels& labels);

}  // namespace fineprint::metrics

#endif  // FINEPRINT_SERVICES_RUNTIME_METRICS_METRICS_H_
