#ifndef FINEPRINT_SERVICES_NOTIFICATION_STREAM_HUB_H_
#define FINEPRINT_SERVICES_NOTIFICATION_STREAM_HUB_H_

// Wakes the streams of a user when this process commits notifications for
// them. Streams still read the rows from the database (the hub carries no
// data), and also poll, so notifications written by another instance reach
// them within the poll interval.

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace fineprint::notification {

class StreamHub {
 public:
  // After commit: something new for `user` ("org/user").
  void Publish(absl::string_view user);
  // The user's current version, to wait from.
  int64_t Version(absl::string_view user);
  // Until the user's version passes `*version` (then updates it), `timeout`
  // passes or Shutdown(). True when woken by a Publish.
  bool Wait(absl::string_view user, int64_t* version, absl::Duration timeout);
  // Wakes every waiter for good (server shutdown).
  void Shutdown();
  bool shut_down();

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int64_t> versions_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_STREAM_HUB_H_
