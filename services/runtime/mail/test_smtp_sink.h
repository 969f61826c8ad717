#ifndef FINEPRINT_SERVICES_RUNTIME_MAIL_TEST_SMTP_SINK_H_
#define FINEPRINT_SERVICES_RUNTIME_MAIL_TEST_SMTP_SINK_H_

// A real SMTP server for tests: smtp_sink.py (aiosmtpd) as a child process
// on a free port, keeping each accepted message in a fresh folder, and what
// Python's email package reads from it (decoded headers and parts), so a
// test checks the mail as a client sees it.

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace fineprint::mail::testing {

struct SinkOptions {
  int fail_first = 0;    // answer the first N messages 451
  std::string auth;      // "user:password": AUTH required
  std::string tls_cert;  // offer STARTTLS with this certificate
  std::string tls_key;
  bool require_tls = false;
};

struct ReceivedPart {
  std::string type;  // text/plain
  std::string charset;
  std::string transfer_encoding;  // as sent
  std::string body;               // decoded
};

struct ReceivedMail {
  std::string raw;  // DATA as received
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  bool tls = false;
  bool authenticated = false;
  std::map<std::string, std::string> headers;  // lower-case name -> decoded
  std::string content_type;
  std::vector<ReceivedPart> parts;
  std::vector<std::string> defects;  // the parser's complaints

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class TestSmtpSink {
 public:
  static absl::StatusOr<std::unique_ptr<TestSmtpSink>> Start(
      SinkOptions options = {});
  ~TestSmtpSink();

  int port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:<port>
  const std::string& dir() const { return dir_; }

  // The next `n` messages are answered 451 (try again later).
  void FailNext(int n) const;

  // Every message received so far, in order.
  absl::StatusOr<std::vector<ReceivedMail>> Messages() const;
  // Waits until at least `n` messages arrived; false on timeout.
  bool WaitFor(size_t n, absl::Duration timeout = absl::Seconds(30)) const;

 private:
  TestSmtpSink() = default;
  pid_t pid_ = 0;
  int port_ = 0;
  std::string dir_;
};

}  // namespace fineprint::mail::testing

#endif  // FINEPRINT_SERVICES_RUNTIME_MAIL_TEST_SMTP_SINK_H_
