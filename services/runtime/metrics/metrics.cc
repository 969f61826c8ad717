#include "services/runtime/metrics/metrics.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace fineprint::metrics {
namespace {

std::string EscapeLabelValue(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Adds `extra` (already formatted `k="v"`) to a formatted label set.
std::string MergeLabels(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return absl::StrCat("{", extra, "}");
  return absl::StrCat(labels.substr(0, labels.size() - 1), ",", extra, "}");
}

std::string FormatValue(double v) { return absl::StrCat(v); }

}  // namespace

std::string FormatLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    absl::StrAppend(&out, k, "=\"", EscapeLabelValue(v), "\"");
  }
  out += "}";
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    std::cerr << "histogram bounds must be sorted\n";
    std::abort();
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double v) {
  const size_t i =
      std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

Registry& Registry::Default() {
  static auto* registry = new Registry();
  return *registry;
}

Registry::Family& Registry::GetFamily(absl::string_view name,
                                      absl::string_view help, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    Family family;
    family.type = type;
    family.help = std::string(help);
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  if (it->second.type != type) {
    // Two call sites disagree about what a metric is: a programming error.
    std::cerr << "metric " << name << " registered with two types\n";
    std::abort();
  }
  return it->second;
}

Counter& Registry::GetCounter(absl::string_view name, absl::string_view help,
                              const Labels& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot =
      GetFamily(name, help, Type::kCounter).counters[FormatLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::GetGauge(absl::string_view name, absl::string_view help,
                          const Labels& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = GetFamily(name, help, Type::kGauge).gauges[FormatLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::GetHistogram(absl::string_view name,
                                  absl::string_view help, const Labels& labels,
                                  std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  auto& slot =
      GetFamily(name, help, Type::kHistogram).histograms[FormatLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

std::string Registry::Expose() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    const char* type = family.type == Type::kCounter ? "counter"
                       : family.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    absl::StrAppend(&out, "# HELP ", name, " ", family.help, "\n# TYPE ", name,
                    " ", type, "\n");
    for (const auto& [labels, c] : family.counters) {
      absl::StrAppend(&out, name, labels, " ", FormatValue(c->Value()), "\n");
    }
    for (const auto& [labels, g] : family.gauges) {
      absl::StrAppend(&out, name, labels, " ", FormatValue(g->Value()), "\n");
    }
    for (const auto& [labels, h] : family.histograms) {
      const auto counts = h->CumulativeCounts();
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        absl::StrAppend(
            &out, name, "_bucket",
            MergeLabels(labels, absl::StrCat("le=\"", h->bounds()[i], "\"")),
            " ", counts[i], "\n");
      }
      absl::StrAppend(&out, name, "_bucket", MergeLabels(labels, "le=\"+Inf\""),
                      " ", counts.back(), "\n");
      absl::StrAppend(&out, name, "_sum", labels, " ", FormatValue(h->Sum()),
                      "\n");
      absl::StrAppend(&out, name, "_count", labels, " ", h->Count(), "\n");
    }
  }
  return out;
}

}  // namespace fineprint::metrics
