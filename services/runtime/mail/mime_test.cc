#include "services/runtime/mail/mime.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace fineprint::mail {
namespace {

Message Sample() {
  Message m;
  m.from = {"Fineprint", "notify@fineprint.test"};
  m.to = {{"Nora", "nora@example.com"}};
  m.subject = "Hello";
  m.text = "Line one\nLine two";
  m.html = "<p>Line one</p>";
  m.date = absl::FromUnixSeconds(1700000000);
  return m;
}

TEST(MimeTest, QuotedPrintableKeepsLinesShortAndEncodesWhatMustBe) {
  const std::string long_line(200, 'a');
  const std::string qp = QuotedPrintable(long_line + " \n.dot = x\xC3\xA9 \n");
  for (absl::string_view line : absl::StrSplit(qp, "\r\n")) {
    EXPECT_LE(line.size(), 76u) << line;
  }
  EXPECT_TRUE(absl::StrContains(qp, "=20\r\n")) << qp;  // trailing space
  EXPECT_TRUE(absl::StrContains(qp, "=2Edot =3D x=C3=A9=20\r\n")) << qp;
  EXPECT_EQ(qp.find('\n'), qp.find("\r\n") + 1);  // CRLF only
}

TEST(MimeTest, NonAsciiSubjectBecomesFoldedEncodedWords) {
  const std::string subject =
      "R\xC3\xA9sum\xC3\xA9 de l'analyse \xE2\x80\x94 \xE6\x9D\xA1\xE6\xAC\xBE "
      "des conditions g\xC3\xA9n\xC3\xA9rales d'utilisation tr\xC3\xA8s "
      "longues";
  const std::string encoded = EncodeHeaderText(subject);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(encoded, "\r\n ")) {
    ASSERT_LE(word.size(), 75u);
    ASSERT_TRUE(absl::ConsumePrefix(&word, "=?UTF-8?B?")) << word;
    ASSERT_TRUE(absl::ConsumeSuffix(&word, "?=")) << word;
    std::string chunk;
    ASSERT_TRUE(absl::Base64Unescape(word, &chunk));
    decoded += chunk;
  }
  EXPECT_EQ(decoded, subject);
  EXPECT_EQ(EncodeHeaderText("Plain subject"), "Plain subject");
}

TEST(MimeTest, AddressesQuoteOrEncodeDisplayNames) {
  EXPECT_EQ(FormatAddress({"", "a@b.c"}), "a@b.c");
  EXPECT_EQ(FormatAddress({"A \"B\"", "a@b.c"}), "\"A \\\"B\\\"\" <a@b.c>");
  EXPECT_EQ(FormatAddress({"Zo\xC3\xAB", "a@b.c"}),
            "=?UTF-8?B?Wm/Dqw==?= <a@b.c>");
  EXPECT_FALSE(IsPlainAddress("a b@c.d"));
  EXPECT_FALSE(IsPlainAddress("a@b@c"));
  EXPECT_FALSE(IsPlainAddress("<a@b.c>"));
  EXPECT_TRUE(IsPlainAddress("nora+tag@example.com"));
}

TEST(MimeTest, BuildsMultipartAlternative) {
  auto built = BuildMessage(Sample());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_TRUE(
      absl::StartsWith(*built, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"))
      << *built;
  EXPECT_TRUE(absl::StrContains(*built, "\r\nMessage-ID: <")) << *built;
  EXPECT_TRUE(absl::StrContains(*built, "@fineprint.test>\r\n")) << *built;
  EXPECT_TRUE(
      absl::StrContains(*built, "multipart/alternative;\r\n boundary=\"=_fp_"));
  EXPECT_TRUE(
      absl::StrContains(*built, "Content-Type: text/plain; charset=UTF-8"));
  EXPECT_TRUE(
      absl::StrContains(*built, "Content-Type: text/html; charset=UTF-8"));
  EXPECT_TRUE(absl::StrContains(*built, "Line one\r\nLine two\r\n"));
  // No bare LF anywhere.
  for (size_t i = built->find('\n'); i != std::string::npos;
       i = built->find('\n', i + 1)) {
    ASSERT_EQ((*built)[i - 1], '\r') << i;
  }
}

TEST(MimeTest, RefusesLineBreaksInHeaders) {
  Message m = Sample();
  m.subject = "Hi\r\nBcc: victim@example.com";
  EXPECT_EQ(BuildMessage(m).status().code(),
            absl::StatusCode::kInvalidArgument);
  m = Sample();
  m.headers = {{"List-Unsubscribe", "<https://x>\nBcc: v@x.y"}};
  EXPECT_EQ(BuildMessage(m).status().code(),
            absl::StatusCode::kInvalidArgument);
  m = Sample();
  m.to[0].display_name = "Nora\r\nBcc: v@x.y";
  EXPECT_EQ(BuildMessage(m).status().code(),
            absl::StatusCode::kInvalidArgument);
  m = Sample();
  m.to[0].email = "nora@example.com>\r\nBcc: <v@x.y";
  EXPECT_EQ(BuildMessage(m).status().code(),
            absl::StatusCode::kInvalidArgument);
  m = Sample();
  m.text = "bad \xFF utf-8";
  EXPECT_EQ(BuildMessage(m).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MimeTest, Base64BodiesInShortLines) {
  Message m = Sample();
  m.encoding = BodyEncoding::kBase64;
  m.text = std::string(300, 'x');
  auto built = BuildMessage(m);
  ASSERT_TRUE(built.ok());
  EXPECT_TRUE(absl::StrContains(*built, "Content-Transfer-Encoding: base64"));
  std::string full(0, ' ');
  for (int i = 0; i < 19; ++i) full += "eHh4";  // 76 characters of "xxx..."
  bool full_line = false;
  for (absl::string_view line : absl::StrSplit(*built, "\r\n")) {
    EXPECT_LE(line.size(), 76u);
    full_line |= line == full;
  }
  EXPECT_TRUE(full_line) << *built;  // 76 base64 characters a line
}

}  // namespace
}  // namespace fineprint::mail
