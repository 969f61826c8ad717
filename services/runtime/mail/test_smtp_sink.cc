#include "services/runtime/mail/test_smtp_sink.h"

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

extern char** environ;

namespace fineprint::mail::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Text(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestSmtpSink>> TestSmtpSink::Start(
    SinkOptions options) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string script =
      absl::StrCat(srcdir != nullptr ? srcdir : ".",
                   "/fineprint/services/runtime/mail/smtp_sink.py");
  std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/smtp_sink_XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  std::vector<std::string> args = {"/usr/bin/python3", script, "--dir", dir};
  if (options.fail_first > 0) {
    args.insert(args.end(), {"--fail-first", absl::StrCat(options.fail_first)});
  }
  if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
  if (!options.tls_cert.empty()) {
    args.insert(args.end(),
                {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
  }
  if (options.require_tls) args.push_back("--require-tls");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  auto sink = std::unique_ptr<TestSmtpSink>(new TestSmtpSink());
  sink->dir_ = dir;
  const int rc = posix_spawn(&sink->pid_, argv[0], &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    sink->pid_ = 0;
    return absl::InternalError("cannot start smtp_sink.py");
  }
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  if (!absl::SimpleAtoi(line, &sink->port_)) {
    return absl::InternalError(
        "smtp_sink.py did not start (is python3-aiosmtpd installed?)");
  }
  return sink;
}

TestSmtpSink::~TestSmtpSink() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string TestSmtpSink::url() const {
  return absl::StrCat("smtp://127.0.0.1:", port_);
}

void TestSmtpSink::FailNext(int n) const {
  std::ofstream(absl::StrCat(dir_, "/fail_next")) << n;
}

absl::StatusOr<std::vector<ReceivedMail>> TestSmtpSink::Messages() const {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir_.c_str())) {
    while (dirent* e = readdir(d)) {
      if (absl::EndsWith(e->d_name, ".eml")) names.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::vector<ReceivedMail> mails;
  for (const std::string& name : names) {
    const std::string base =
        absl::StrCat(dir_, "/", name.substr(0, name.size() - 4));
    google::protobuf::Struct meta;
    auto parsed = google::protobuf::util::JsonStringToMessage(
        ReadFile(base + ".json"), &meta);
    if (!parsed.ok()) return absl::InternalError("unreadable sink metadata");
    ReceivedMail m;
    m.raw = ReadFile(base + ".eml");
    m.mail_from = Text(meta, "mail_from");
    for (const auto& v : meta.fields().at("rcpt_tos").list_value().values()) {
      m.rcpt_tos.push_back(v.string_value());
    }
    m.tls = meta.fields().at("tls").bool_value();
    m.authenticated = meta.fields().at("auth").bool_value();
    const google::protobuf::Struct& p =
        meta.fields().at("parsed").struct_value();
    for (const auto& [k, v] :
         p.fields().at("headers").struct_value().fields()) {
      m.headers[k] = v.string_value();
    }
    m.content_type = Text(p, "content_type");
    for (const auto& v : p.fields().at("parts").list_value().values()) {
      const google::protobuf::Struct& part = v.struct_value();
      m.parts.push_back({Text(part, "type"), Text(part, "charset"),
                         Text(part, "cte"), Text(part, "body")});
    }
    for (const auto& v : p.fields().at("defects").list_value().values()) {
      m.defects.push_back(v.string_value());
    }
    mails.push_back(std::move(m));
  }
  return mails;
}

bool TestSmtpSink::WaitFor(size_t n, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  do {
    absl::StatusOr<std::vector<ReceivedMail>> mails = Messages();
    if (mails.ok() && mails->size() >= n) return true;
    absl::SleepFor(absl::Milliseconds(50));
  } while (absl::Now() < deadline);
  return false;
}

}  // namespace fineprint::mail::testing
