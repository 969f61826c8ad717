#ifndef FINEPRINT_SERVICES_RUNTIME_DB_CONNECTION_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_CONNECTION_H_

// The driver-neutral interfaces: an Executor runs parameterised statements;
// a Connection is one database session. pg_connection.h implements them
// with libpq; tests may substitute fakes.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/runtime/db/param.h"
#include "services/runtime/db/result.h"

namespace fineprint::db {

class Executor {
 public:
  virtual ~Executor() = default;

  // Runs ONE statement with $1..$n bound to `params` (text format; types are
  // inferred by the server, cast with $1::type where that is ambiguous).
  // There is no way to splice a value into SQL text: build SQL from
  // constants only. Errors map as described in sqlstate.h.
  absl::StatusOr<Result> Execute(absl::string_view sql,
                                 absl::Span<const Param> params = {}) {
    return DoExecute(sql, params);
  }

 protected:
  virtual absl::StatusOr<Result> DoExecute(absl::string_view sql,
                                           absl::Span<const Param> params) = 0;
};

class Connection : public Executor {
 public:
  // Runs trusted, constant SQL that may hold several statements (simple
  // query protocol, no parameters): migrations and transaction control.
  // Never pass text derived from input.
  virtual absl::Status ExecuteScript(absl::string_view sql) = 0;

  // False once the session is unusable. Cheap: it reads whatever the server
  // already sent (e.g. the FATAL of pg_terminate_backend) without a round
  // trip, so a connection killed while idle is noticed before use.
  virtual bool CheckHealthy() = 0;

  // Whether the session is healthy and outside any transaction, i.e. safe
  // to hand to the next user.
  virtual bool IsReusable() = 0;
};

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_CONNECTION_H_
