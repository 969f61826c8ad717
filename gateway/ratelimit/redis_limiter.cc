#include "gateway/ratelimit/redis_limiter.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/runtime/log/log.h"

namespace fineprint::gateway::ratelimit {
namespace {

// GCRA. A key holds the theoretical arrival time (TAT, microseconds on
// Redis's clock) of the next request at the steady rate; a request is
// admitted while that time is less than one bucket (`capacity` intervals)
// ahead of now. Returns {allowed, remaining, retry_after_us, reset_us}.
// The TAT is written with %.0f because Lua's default number format keeps
// 14 digits, too few for microseconds since the epoch.
constexpr char kScript[] = R"lua(
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * capacity
if allow_at > now then
  return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
           'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, math.floor((now - allow_at) / interval + 1e-6), 0,
        math.ceil(new_tat - now)}
)lua";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

timeval Timeval(absl::Duration d) {
  return absl::ToTimeval(std::max(d, absl::Milliseconds(1)));
}

absl::StatusOr<std::pair<std::string, int>> SplitAddress(
    absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address \"", address, "\" is not host:port"));
  }
  return std::make_pair(std::string(address.substr(0, colon)), port);
}

}  // namespace

struct RedisLimiter::Connection {
  explicit Connection(redisContext* c) : context(c) {}
  ~Connection() { redisFree(context); }
  redisContext* const context;
};

absl::Status ValidateRedisAddress(absl::string_view address) {
  return SplitAddress(address).status();
}

RedisLimiter::RedisLimiter(RedisLimiterOptions options,
                           metrics::Registry* registry)
    : options_(std::move(options)),
      backoff_(options_.min_backoff),
      shared_decisions_(
          (registry ? *registry : metrics::Registry::Default())
              .GetCounter("fineprint_edge_ratelimit_decisions_total",
                          "Rate-limit decisions by where the bucket was: "
                          "redis (shared by all edges) or local (Redis "
                          "unreachable, this edge alone).",
                          {{"store", "redis"}})),
      local_decisions_(
          (registry ? *registry : metrics::Registry::Default())
              .GetCounter("fineprint_edge_ratelimit_decisions_total",
                          "Rate-limit decisions by where the bucket was: "
                          "redis (shared by all edges) or local (Redis "
                          "unreachable, this edge alone).",
                          {{"store", "local"}})),
      errors_((registry ? *registry : metrics::Registry::Default())
                  .GetCounter("fineprint_edge_ratelimit_redis_errors_total",
                              "Failed Redis round trips and connects of the "
                              "shared rate limiter.")),
      reconnects_(
          (registry ? *registry : metrics::Registry::Default())
              .GetCounter("fineprint_edge_ratelimit_redis_connects_total",
                          "Connections opened to Redis by the shared rate "
                          "limiter.")),
      up_((registry ? *registry : metrics::Registry::Default())
              .GetGauge("fineprint_edge_ratelimit_redis_up",
                        "1 while rate limits are shared through Redis, 0 "
                        "while this edge decides alone.")) {
  absl::StatusOr<std::pair<std::string, int>> split =
      SplitAddress(options_.address);
  if (split.ok()) {
    host_ = split->first;
    port_ = split->second;
  }
  up_.Set(1);
}

RedisLimiter::~RedisLimiter() = default;

bool RedisLimiter::shared() const {
  absl::MutexLock lock(&mu_);
  return !down_;
}

absl::StatusOr<std::unique_ptr<RedisLimiter::Connection>>
RedisLimiter::Connect() {
  if (port_ == 0) return ValidateRedisAddress(options_.address);
  reconnects_.Increment();
  redisContext* c = redisConnectWithTimeout(host_.c_str(), port_,
                                            Timeval(options_.connect_timeout));
  if (c == nullptr) return absl::UnavailableError("redis: out of memory");
  auto connection = std::make_unique<Connection>(c);
  if (c->err != 0) {
    return absl::UnavailableError(absl::StrCat("redis connect: ", c->errstr));
  }
  if (redisSetTimeout(c, Timeval(options_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat("redis timeout: ", c->errstr));
  }
  return connection;
}

std::unique_ptr<RedisLimiter::Connection> RedisLimiter::Acquire() {
  bool probe = false;
  {
    absl::MutexLock lock(&mu_);
    if (down_) {
      // One reconnect attempt per backoff interval, whatever the traffic.
      if (probing_ || absl::Now() < retry_at_) return nullptr;
      probing_ = probe = true;
    } else {
      auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return down_ || !idle_.empty() || open_ < options_.max_connections;
      };
      // Every connection busy for a whole round-trip timeout: Redis is too
      // slow to wait for.
      if (!mu_.AwaitWithTimeout(absl::Condition(&available),
                                options_.command_timeout) ||
          down_) {
        return nullptr;
      }
      if (!idle_.empty()) {
        std::unique_ptr<Connection> c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    ++open_;
  }
  absl::StatusOr<std::unique_ptr<Connection>> c = Connect();
  absl::MutexLock lock(&mu_);
  if (probe) probing_ = false;
  if (!c.ok()) {
    --open_;
    errors_.Increment();
    MarkDownLocked(c.status().message());
    return nullptr;
  }
  if (down_) {
    down_ = false;
    backoff_ = options_.min_backoff;
    up_.Set(1);
    log::Info("Redis reachable again; rate limits are shared",
              {{"redis", options_.address}});
  }
  return *std::move(c);
}

void RedisLimiter::Release(std::unique_ptr<Connection> connection) {
  absl::MutexLock lock(&mu_);
  if (down_) {
    --open_;
    return;
  }
  idle_.push_back(std::move(connection));
}

void RedisLimiter::MarkDownLocked(absl::string_view why) {
  if (!down_) {
    backoff_ = options_.min_backoff;
    up_.Set(0);
    log::Warning(
        "Redis unreachable; this edge enforces rate limits alone until it is "
        "back",
        {{"redis", options_.address},
         {"error", std::string(why)},
         {"fallback_share", options_.fallback_share}});
  } else {
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  }
  down_ = true;
  retry_at_ = absl::Now() + backoff_;
  // The other connections went to the same server: do not trust them.
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
}

absl::StatusOr<Decision> RedisLimiter::Eval(Connection& connection,
                                            absl::string_view key,
                                            double per_minute, bool* broken) {
  redisContext* c = connection.context;
  std::string sha;
  {
    absl::MutexLock lock(&mu_);
    sha = sha_;
  }
  const std::string full_key = absl::StrCat(options_.key_prefix, key);
  // StrCat would keep only six significant digits.
  const std::string interval = absl::StrFormat("%.17g", 60e6 / per_minute);
  const std::string capacity = absl::StrFormat("%.17g", per_minute);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      Reply loaded(static_cast<redisReply*>(
          redisCommand(c, "SCRIPT LOAD %b", kScript, sizeof(kScript) - 1)));
      if (loaded == nullptr) {
        *broken = true;
        return absl::UnavailableError(absl::StrCat("redis: ", c->errstr));
      }
      if (loaded->type != REDIS_REPLY_STRING) {
        return absl::UnavailableError(absl::StrCat(
            "redis SCRIPT LOAD: ",
            loaded->type == REDIS_REPLY_ERROR ? loaded->str : "bad reply"));
      }
      sha.assign(loaded->str, loaded->len);
      absl::MutexLock lock(&mu_);
      sha_ = sha;
    }
    const char* argv[] = {"EVALSHA",        sha.c_str(),      "1",
                          full_key.c_str(), interval.c_str(), capacity.c_str()};
    const size_t lens[] = {
        7, sha.size(), 1, full_key.size(), interval.size(), capacity.size()};
    Reply reply(static_cast<redisReply*>(redisCommandArgv(c, 6, argv, lens)));
    if (reply == nullptr) {
      *broken = true;
      return absl::UnavailableError(absl::StrCat("redis: ", c->errstr));
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      // A restarted (or flushed) Redis forgot the script.
      if (absl::StartsWith(absl::string_view(reply->str, reply->len),
                           "NOSCRIPT")) {
        sha.clear();
        continue;
      }
      return absl::UnavailableError(
          absl::StrCat("redis EVALSHA: ", reply->str));
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) {
      return absl::UnavailableError("redis EVALSHA: unexpected reply");
    }
    for (size_t i = 0; i < 4; ++i) {
      if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
        return absl::UnavailableError("redis EVALSHA: unexpected reply");
      }
    }
    Decision d;
    d.allowed = reply->element[0]->integer == 1;
    d.limit = static_cast<int64_t>(per_minute);
    d.remaining = reply->element[1]->integer;
    d.retry_after = absl::Microseconds(reply->element[2]->integer);
    d.reset = absl::Microseconds(reply->element[3]->integer);
    return d;
  }
  return absl::UnavailableError("redis: script not loaded");
}

Decision RedisLimiter::Local(absl::string_view key, double per_minute) {
  local_decisions_.Increment();
  Decision d = local_.Take(key, per_minute * options_.fallback_share);
  return d;
}

Decision RedisLimiter::Take(absl::string_view key, double per_minute) {
  // A zero limit denies; no need to ask anyone.
  if (per_minute <= 0) return local_.Take(key, per_minute);
  std::unique_ptr<Connection> c = Acquire();
  if (c == nullptr) return Local(key, per_minute);
  bool broken = false;
  absl::StatusOr<Decision> d = Eval(*c, key, per_minute, &broken);
  if (d.ok()) {
    Release(std::move(c));
    shared_decisions_.Increment();
    return *d;
  }
  errors_.Increment();
  if (broken) {
    c.reset();
    absl::MutexLock lock(&mu_);
    --open_;
    MarkDownLocked(d.status().message());
  } else {
    Release(std::move(c));
    log::Warning("Redis rate limiter error; decided locally",
                 {{"error", d.status()}});
  }
  return Local(key, per_minute);
}

}  // namespace fineprint::gateway::ratelimit
