#include "services/notification/email_templates.h"

#include "gtest/gtest.h"

namespace fineprint::notification {
namespace {

TEST(EmailTemplatesTest, FillsAndEscapesForHtml) {
  const TemplateValues v{{"title", "<script>\"x\" & 'y'</script>"},
                         {"items", "<li>kept</li>"}};
  auto text = FillTemplate("T: {title} {{literal}", v, false);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "T: <script>\"x\" & 'y'</script> {literal}");
  auto html =
      FillTemplate("<h1>{title}</h1><ul>{items}</ul>", v, true, {"items"});
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(*html,
            "<h1>&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
            "</h1><ul><li>kept</li></ul>");
}

TEST(EmailTemplatesTest, UnknownOrUnterminatedNamesAreErrors) {
  EXPECT_EQ(FillTemplate("{nope}", {}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FillTemplate("{title", {{"title", "x"}}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::notification
