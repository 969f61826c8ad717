#include "services/monitoring/domain_slots.h"

#include "services/runtime/status/status.h"

namespace fineprint::monitoring {

absl::StatusOr<absl::Duration> PgDomainSlots::Reserve(absl::string_view domain,
                                                      absl::Duration delay) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  // The wait is computed by the database's clock alone, so replicas whose
  // clocks disagree still keep the delay. The row lock serialises only
  // fetches of one domain, for the length of this statement.
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(
          "INSERT INTO fetch_domain_slots AS s (domain, next_start)"
          " VALUES ($1, clock_timestamp() + $2::float8 * interval '1 second')"
          " ON CONFLICT (domain) DO UPDATE SET next_start ="
          "   GREATEST(s.next_start, clock_timestamp())"
          "   + $2::float8 * interval '1 second'"
          " RETURNING extract(epoch FROM next_start - "
          "clock_timestamp())::float8"
          "   - $2::float8 AS wait_seconds",
          {std::string(domain), absl::ToDoubleSeconds(delay)}));
  if (r.empty()) return absl::InternalError("no slot returned");
  FP_ASSIGN_OR_RETURN(double wait, r[0].GetDouble("wait_seconds"));
  return std::max(absl::ZeroDuration(), absl::Seconds(wait));
}

}  // namespace fineprint::monitoring
