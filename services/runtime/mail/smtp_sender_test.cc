// The sender against a real SMTP server (aiosmtpd): what arrives is read
// back with Python's email package, as a mail client would read it.

#include "services/runtime/mail/smtp_sender.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/runtime/mail/mime.h"
#include "services/runtime/mail/test_smtp_sink.h"
#include "services/runtime/tls/test_certs.h"

namespace fineprint::mail {
namespace {

using testing::ReceivedMail;
using testing::SinkOptions;
using testing::TestSmtpSink;

const char kSubject[] =
    "Analyse termin\xC3\xA9"
    "e \xE2\x80\x94 \xE5\x88\xA9\xE7\x94\xA8\xE8\xA6\x8F\xE7\xB4\x84";
const char kText[] =
    "Bonjour Zo\xC3\xAB,\nLa note est pass\xC3\xA9"
    "e \xC3\xA0 B.\n.a line with a dot\n";
const char kHtml[] = "<p>Bonjour Zo\xC3\xAB, note <b>B</b> &amp; plus</p>";

Message Sample(BodyEncoding encoding) {
  Message m;
  m.from = {"Fineprint", "notify@fineprint.test"};
  m.to = {{"Zo\xC3\xAB M\xC3\xBCller", "zoe@example.com"}};
  m.subject = kSubject;
  m.text = kText;
  m.html = kHtml;
  m.encoding = encoding;
  m.headers = {{"List-Unsubscribe", "<https://fineprint.test/u?token=abc>"},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  return m;
}

SmtpOptions Smtp(const std::string& url, const std::string& user = "",
                 const std::string& password = "", bool require_tls = false,
                 const std::string& ca_file = "") {
  SmtpOptions o;
  o.url = url;
  o.username = user;
  o.password = password;
  o.require_tls = require_tls;
  o.ca_file = ca_file;
  return o;
}

SinkOptions Sink(int fail_first, const std::string& auth = "",
                 const std::string& cert_dir = "") {
  SinkOptions o;
  o.fail_first = fail_first;
  o.auth = auth;
  if (!cert_dir.empty()) {
    o.tls_cert = cert_dir + "/smtp.pem";
    o.tls_key = cert_dir + "/smtp.key";
    o.require_tls = true;
  }
  return o;
}

std::unique_ptr<TestSmtpSink> StartSink(SinkOptions options = {}) {
  auto sink = TestSmtpSink::Start(options);
  EXPECT_TRUE(sink.ok()) << sink.status();
  return sink.ok() ? *std::move(sink) : nullptr;
}

void ExpectSample(const ReceivedMail& mail, const std::string& encoding) {
  EXPECT_TRUE(mail.defects.empty()) << mail.defects[0] << "\n" << mail.raw;
  EXPECT_EQ(mail.mail_from, "notify@fineprint.test");
  ASSERT_EQ(mail.rcpt_tos.size(), 1u);
  EXPECT_EQ(mail.rcpt_tos[0], "zoe@example.com");
  EXPECT_EQ(mail.Header("subject"), kSubject);
  EXPECT_EQ(mail.Header("to"), "Zo\xC3\xAB M\xC3\xBCller <zoe@example.com>");
  EXPECT_EQ(mail.Header("from"), "Fineprint <notify@fineprint.test>");
  EXPECT_TRUE(absl::StartsWith(mail.Header("message-id"), "<"));
  EXPECT_TRUE(absl::EndsWith(mail.Header("message-id"), "@fineprint.test>"));
  EXPECT_FALSE(mail.Header("date").empty());
  EXPECT_EQ(mail.Header("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(mail.content_type, "multipart/alternative");
  ASSERT_EQ(mail.parts.size(), 2u) << mail.raw;
  EXPECT_EQ(mail.parts[0].type, "text/plain");
  EXPECT_EQ(mail.parts[0].charset, "utf-8");
  EXPECT_EQ(mail.parts[0].transfer_encoding, encoding);
  EXPECT_EQ(mail.parts[0].body,
            "Bonjour Zo\xC3\xAB,\r\nLa note est pass\xC3\xA9"
            "e \xC3\xA0 B.\r\n"
            ".a line with a dot\r\n");
  EXPECT_EQ(mail.parts[1].type, "text/html");
  EXPECT_EQ(mail.parts[1].transfer_encoding, encoding);
  EXPECT_EQ(mail.parts[1].body, kHtml);
  // Encoded on the wire: nothing but ASCII.
  for (char c : mail.raw) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
}

TEST(SmtpSenderTest, DeliversQuotedPrintableMultipart) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  auto sender = SmtpSender::Create(Smtp(sink->url()));
  ASSERT_TRUE(sender.ok()) << sender.status();
  auto data = BuildMessage(Sample(BodyEncoding::kQuotedPrintable));
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_TRUE((*sender)
                  ->Send("notify@fineprint.test", {"zoe@example.com"}, *data)
                  .ok());
  ASSERT_TRUE(sink->WaitFor(1));
  auto mails = sink->Messages();
  ASSERT_TRUE(mails.ok());
  ASSERT_EQ(mails->size(), 1u);
  ExpectSample((*mails)[0], "quoted-printable");
  EXPECT_FALSE((*mails)[0].tls);  // offered nothing, so plain
}

TEST(SmtpSenderTest, DeliversBase64Multipart) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  auto sender = SmtpSender::Create(Smtp(sink->url()));
  ASSERT_TRUE(sender.ok());
  auto data = BuildMessage(Sample(BodyEncoding::kBase64));
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE((*sender)
                  ->Send("notify@fineprint.test", {"zoe@example.com"}, *data)
                  .ok());
  ASSERT_TRUE(sink->WaitFor(1));
  ExpectSample((*sink->Messages())[0], "base64");
}

TEST(SmtpSenderTest, AuthenticatesAndNeverLeaksThePassword) {
  auto sink = StartSink(Sink(0, "mailer:s3cret-pass"));
  ASSERT_NE(sink, nullptr);
  auto data = BuildMessage(Sample(BodyEncoding::kQuotedPrintable));
  ASSERT_TRUE(data.ok());
  auto good = SmtpSender::Create(Smtp(sink->url(), "mailer", "s3cret-pass"));
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(
      (*good)->Send("notify@fineprint.test", {"zoe@example.com"}, *data).ok());
  ASSERT_TRUE(sink->WaitFor(1));
  EXPECT_TRUE((*sink->Messages())[0].authenticated);

  auto bad = SmtpSender::Create(Smtp(sink->url(), "mailer", "wrong-pass"));
  ASSERT_TRUE(bad.ok());
  absl::Status s =
      (*bad)->Send("notify@fineprint.test", {"zoe@example.com"}, *data);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_FALSE(absl::StrContains(s.ToString(), "wrong-pass")) << s;
  EXPECT_EQ(sink->Messages()->size(), 1u);
}

TEST(SmtpSenderTest, UpgradesWithStartTlsAndCanRequireIt) {
  const std::string dir = tls::testing::NewCertDir();
  ASSERT_TRUE(tls::testing::MakeCerts(dir, {"smtp@localhost"}).ok());
  auto sink = StartSink(Sink(0, "", dir));
  ASSERT_NE(sink, nullptr);
  auto data = BuildMessage(Sample(BodyEncoding::kQuotedPrintable));
  ASSERT_TRUE(data.ok());
  auto sender =
      SmtpSender::Create(Smtp(sink->url(), "", "", true, dir + "/ca.pem"));
  ASSERT_TRUE(sender.ok());
  absl::Status s =
      (*sender)->Send("notify@fineprint.test", {"zoe@example.com"}, *data);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(sink->WaitFor(1));
  EXPECT_TRUE((*sink->Messages())[0].tls);

  // A server that offers no STARTTLS fails a sender that requires it.
  auto plain = StartSink();
  ASSERT_NE(plain, nullptr);
  auto strict = SmtpSender::Create(Smtp(plain->url(), "", "", true));
  ASSERT_TRUE(strict.ok());
  s = (*strict)->Send("notify@fineprint.test", {"zoe@example.com"}, *data);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(plain->Messages()->size(), 0u);
}

TEST(SmtpSenderTest, ClassifiesRefusalsForRetry) {
  auto sink = StartSink(Sink(1));
  ASSERT_NE(sink, nullptr);
  auto sender = SmtpSender::Create(Smtp(sink->url()));
  ASSERT_TRUE(sender.ok());
  auto data = BuildMessage(Sample(BodyEncoding::kQuotedPrintable));
  ASSERT_TRUE(data.ok());
  absl::Status s =
      (*sender)->Send("notify@fineprint.test", {"zoe@example.com"}, *data);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;  // 451
  s = (*sender)->Send("notify@fineprint.test", {"bounce@example.com"}, *data);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;  // 550
  EXPECT_TRUE((*sender)
                  ->Send("notify@fineprint.test", {"zoe@example.com"}, *data)
                  .ok());
  EXPECT_EQ(sink->Messages()->size(), 1u);

  EXPECT_EQ(SmtpSender::Create(Smtp("http://x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SmtpSender::Create(Smtp("smtp://u:p@host:25")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::mail
