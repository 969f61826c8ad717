#ifndef FINEPRINT_SERVICES_MONITORING_DOMAIN_SLOTS_H_
#define FINEPRINT_SERVICES_MONITORING_DOMAIN_SLOTS_H_

// The per-domain delay between request starts, shared by every replica of
// monitoring through PostgreSQL: each fetch reserves the domain's next
// start slot in one statement, so N replicas still start at most one
// request per delay per registrable domain.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/monitoring/fetcher.h"
#include "services/runtime/db/pool.h"

namespace fineprint::monitoring {

class PgDomainSlots final : public DomainSlots {
 public:
  explicit PgDomainSlots(db::Pool* pool) : pool_(pool) {}

  absl::StatusOr<absl::Duration> Reserve(absl::string_view domain,
                                         absl::Duration delay) override;

 private:
  db::Pool* const pool_;
};

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_DOMAIN_SLOTS_H_
