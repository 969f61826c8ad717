#include "services/notification/email.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "services/notification/email_templates.h"
#include "services/notification/schedule.h"
#include "services/notification/unsubscribe.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {
namespace {

namespace nev1 = ::fineprint::notification::events::v1;

absl::Duration DigestPeriod(absl::string_view digest) {
  if (digest == "HOURLY") return absl::Hours(1);
  if (digest == "DAILY") return absl::Hours(24);
  if (digest == "WEEKLY") return absl::Hours(24 * 7);
  return absl::ZeroDuration();
}

// "ANALYSIS_COMPLETED" -> "analysis completed".
std::string Label(absl::string_view enum_name) {
  std::string s = absl::AsciiStrToLower(enum_name);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

// A subject is one line whatever the event's text holds.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

struct Item {
  std::string id;
  std::string kind;
  std::string severity;
  std::string title;
  std::string body;
  std::string link;
};

struct Loaded {
  std::string email;
  std::vector<Item> items;
  EmailTemplate main;
  EmailTemplate item;  // digests
};

std::vector<std::string> NotificationNames(absl::string_view org,
                                           absl::string_view user,
                                           const std::vector<Item>& items) {
  std::vector<std::string> names;
  for (const Item& i : items) {
    names.push_back(absl::StrCat(UserName(org, user), "/notifications/", i.id));
  }
  return names;
}

}  // namespace

absl::StatusOr<EmailPayload> EmailPayload::FromRow(const db::Row& row) {
  EmailPayload p;
  p.user_id = std::string(row.Value("user_id"));
  p.kind = std::string(row.Value("kind"));
  p.notification_id = std::string(row.Value("notification_id"));
  FP_ASSIGN_OR_RETURN(p.send_at, row.GetTime("send_at"));
  return p;
}

jobs::JobQueueOptions EmailQueueOptions(absl::Duration lease) {
  jobs::JobQueueOptions options;
  options.table = "email_jobs";
  // An SMTP exchange takes seconds; heartbeats keep the lease.
  options.lease = lease;
  options.retry_backoff = absl::Seconds(2);
  options.max_retry_backoff = absl::Minutes(10);
  return options;
}

// --- Planning
// ------------------------------------------------------------------

absl::Status EmailPlanner::Plan(
    db::Tx& tx, absl::string_view org, v1::NotificationKind kind,
    v1::Severity severity,
    const std::vector<std::pair<std::string, std::string>>& created) const {
  if (created.empty()) return absl::OkStatus();
  absl::flat_hash_map<std::string, std::string> notification_of;
  std::vector<std::string> users;
  for (const auto& [user, id] : created) {
    notification_of[user] = id;
    users.push_back(user);
  }
  // Email is on where the category says so, else for warnings and above.
  FP_ASSIGN_OR_RETURN(
      db::Result rows,
      tx.Execute(
          "SELECT m.user_id, COALESCE(p.email_digest, 'IMMEDIATE') AS digest,"
          "   COALESCE(p.time_zone, '') AS zone,"
          "   COALESCE(p.quiet_start, 0) AS quiet_start,"
          "   COALESCE(p.quiet_end, 0) AS quiet_end"
          " FROM members m"
          " LEFT JOIN preferences p"
          "   ON p.org_id = m.org_id AND p.user_id = m.user_id"
          " LEFT JOIN category_preferences c ON c.org_id = m.org_id"
          "   AND c.user_id = m.user_id AND c.kind = $3"
          " WHERE m.org_id = $1 AND m.user_id = ANY($2::text[])"
          "   AND m.email <> '' AND COALESCE(c.email, $4)",
          {std::string(org), absl::StrCat("{", absl::StrJoin(users, ","), "}"),
           v1::NotificationKind_Name(kind), SeverityRank(severity) >= 2}));
  if (rows.empty()) return absl::OkStatus();
  const bool critical = IsCritical(kind);
  const absl::Time now = clock_ ? clock_() : absl::Now();
  for (db::Row row : rows) {
    EmailPayload p;
    p.user_id = std::string(row.Value("user_id"));
    EmailTiming timing;
    timing.zone = absl::UTCTimeZone();
    if (!row.Value("zone").empty()) {
      // Validated when stored; an unknown zone (older tzdata) means UTC.
      absl::LoadTimeZone(std::string(row.Value("zone")), &timing.zone);
    }
    FP_ASSIGN_OR_RETURN(int64_t quiet_start, row.GetInt64("quiet_start"));
    FP_ASSIGN_OR_RETURN(int64_t quiet_end, row.GetInt64("quiet_end"));
    timing.quiet_start = static_cast<int>(quiet_start);
    timing.quiet_end = static_cast<int>(quiet_end);
    timing.digest_period = DigestPeriod(row.Value("digest"));
    const absl::Time at = EmailSendTime(timing, critical, now);
    if (at <= now) {
      p.kind = "SINGLE";
      p.notification_id = notification_of[p.user_id];
      p.send_at = now;
      FP_RETURN_IF_ERROR(Enqueue(tx, org, p, absl::ZeroDuration()));
      continue;
    }
    p.kind = "DIGEST";
    p.send_at = at;
    FP_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO email_digest_items (org_id, user_id,"
                   "   notification_id, send_at) VALUES ($1, $2, $3, $4)"
                   " ON CONFLICT DO NOTHING",
                   {org, p.user_id, notification_of[p.user_id], at})
            .status());
    // Notify holds the member row: no other transaction adds this user's
    // digest job meanwhile.
    FP_ASSIGN_OR_RETURN(
        db::Result queued,
        tx.Execute("SELECT 1 FROM email_jobs WHERE org_id = $1"
                   " AND user_id = $2 AND send_at = $3 AND state = 'QUEUED'"
                   " AND kind = 'DIGEST' LIMIT 1",
                   {org, p.user_id, at}));
    if (queued.empty()) FP_RETURN_IF_ERROR(Enqueue(tx, org, p, at - now));
  }
  return absl::OkStatus();
}

absl::Status EmailPlanner::Enqueue(db::Tx& tx, absl::string_view org,
                                   const EmailPayload& payload,
                                   absl::Duration delay) const {
  jobs::NewJob job;
  job.org_id = std::string(org);
  job.id = api::NewResourceId();
  job.max_attempts = max_attempts_;
  job.delay = delay;
  return queue_->Enqueue(tx, job, payload);
}

// --- Sending
// -------------------------------------------------------------------

EmailRunner::EmailRunner(db::Pool* pool,
                         std::unique_ptr<mail::SmtpSender> sender,
                         EmailConfig config)
    : pool_(pool), sender_(std::move(sender)), config_(std::move(config)) {}

absl::StatusOr<jobs::TxFn> EmailRunner::Run(
    const jobs::ClaimedJob<EmailPayload>& job, jobs::JobContext& context) {
  const std::string org = job.org_id;
  const EmailPayload p = job.payload;
  const bool digest = p.kind == "DIGEST";
  Loaded loaded;
  FP_RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
        loaded = Loaded();
        FP_ASSIGN_OR_RETURN(
            db::Result member,
            tx.Execute("SELECT email FROM members WHERE org_id = $1"
                       " AND user_id = $2",
                       {org, p.user_id}));
        if (!member.empty()) loaded.email = std::string(member[0].Value(0));
        // A digest claims its items before sending: another job of the
        // same user never mails them too; a retry of this one finds them.
        FP_ASSIGN_OR_RETURN(
            db::Result items,
            digest ? tx.Execute(
                         "WITH c AS (UPDATE email_digest_items d"
                         "   SET claimed_by = $3"
                         "   WHERE d.org_id = $1 AND d.user_id = $2"
                         "     AND d.send_at <= $4"
                         "     AND (d.claimed_by IS NULL OR d.claimed_by = $3)"
                         "   RETURNING d.notification_id)"
                         " SELECT n.id, n.kind, n.severity, n.title, n.body,"
                         "   n.link FROM notifications n"
                         " JOIN c ON c.notification_id = n.id"
                         " WHERE n.org_id = $1 AND n.user_id = $2"
                         " ORDER BY n.seq",
                         {org, p.user_id, job.id, p.send_at})
                   : tx.Execute("SELECT id, kind, severity, title, body, link"
                                " FROM notifications WHERE org_id = $1"
                                " AND user_id = $2 AND id = $3",
                                {org, p.user_id, p.notification_id}));
        for (db::Row row : items) {
          loaded.items.push_back(
              {std::string(row.Value("id")), std::string(row.Value("kind")),
               std::string(row.Value("severity")),
               std::string(row.Value("title")), std::string(row.Value("body")),
               std::string(row.Value("link"))});
        }
        // A digest of one is that notification's own mail.
        const bool many = loaded.items.size() > 1;
        FP_ASSIGN_OR_RETURN(
            loaded.main,
            LoadEmailTemplate(tx, many ? "digest" : "notification"));
        if (many) {
          FP_ASSIGN_OR_RETURN(loaded.item,
                              LoadEmailTemplate(tx, "digest_item"));
        }
        return absl::OkStatus();
      }));

  const std::string user = p.user_id;
  const std::string job_id = job.id;
  const jobs::TxFn release_claims = [org, user, job_id](db::Tx& tx) {
    return tx
        .Execute(
            "DELETE FROM email_digest_items WHERE org_id = $1"
            " AND user_id = $2 AND claimed_by = $3",
            {org, user, job_id})
        .status();
  };
  // The user left, or the notifications are gone: nothing to say.
  if (loaded.email.empty() || loaded.items.empty()) {
    return digest ? release_claims : jobs::TxFn();
  }

  const std::string base(absl::StripSuffix(config_.link_base_url, "/"));
  UnsubscribeClaim claim{org, user, {}};
  for (const Item& i : loaded.items) {
    v1::NotificationKind kind;
    if (v1::NotificationKind_Parse(i.kind, &kind) &&
        std::find(claim.kinds.begin(), claim.kinds.end(), kind) ==
            claim.kinds.end()) {
      claim.kinds.push_back(kind);
    }
  }
  const std::string unsubscribe = UnsubscribeUrl(
      base, SignUnsubscribeToken(config_.unsubscribe_secret, claim));
  auto values_of = [&](const Item& i) {
    return TemplateValues{
        {"title", i.title},
        {"body", i.body},
        {"link_url",
         i.link.empty() ? base : absl::StrCat(base, "/v1/", i.link)},
        {"category", Label(i.kind)},
        {"severity", Label(absl::StripPrefix(i.severity, "SEVERITY_"))},
        {"unsubscribe_url", unsubscribe}};
  };
  mail::Message m;
  if (loaded.items.size() > 1) {
    std::string text_items, html_items;
    for (const Item& i : loaded.items) {
      const TemplateValues v = values_of(i);
      FP_ASSIGN_OR_RETURN(std::string t,
                          FillTemplate(loaded.item.text, v, false));
      FP_ASSIGN_OR_RETURN(std::string h,
                          FillTemplate(loaded.item.html, v, true));
      absl::StrAppend(&text_items, t, "\n");
      html_items += h;
    }
    const TemplateValues v{{"count", absl::StrCat(loaded.items.size())},
                           {"unsubscribe_url", unsubscribe},
                           {"items", text_items}};
    TemplateValues hv = v;
    hv["items"] = html_items;
    FP_ASSIGN_OR_RETURN(m.subject, FillTemplate(loaded.main.subject, v, false));
    FP_ASSIGN_OR_RETURN(m.text, FillTemplate(loaded.main.text, v, false));
    FP_ASSIGN_OR_RETURN(m.html,
                        FillTemplate(loaded.main.html, hv, true, {"items"}));
  } else {
    const TemplateValues v = values_of(loaded.items[0]);
    FP_ASSIGN_OR_RETURN(m.subject, FillTemplate(loaded.main.subject, v, false));
    FP_ASSIGN_OR_RETURN(m.text, FillTemplate(loaded.main.text, v, false));
    FP_ASSIGN_OR_RETURN(m.html, FillTemplate(loaded.main.html, v, true));
  }
  m.subject = OneLine(std::move(m.subject));
  m.from = config_.from;
  m.to = {{"", loaded.email}};
  m.headers = {{"List-Unsubscribe", absl::StrCat("<", unsubscribe, ">")},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  m.date = config_.clock ? config_.clock() : absl::Now();
  // The same on every attempt, so a receiver can drop a duplicate.
  m.message_id = absl::StrCat(
      "<", job.id, ".", org, "@",
      config_.from.email.substr(config_.from.email.rfind('@') + 1), ">");
  m.encoding = config_.encoding;
  // A malformed address or text fails for good (INVALID_ARGUMENT).
  FP_ASSIGN_OR_RETURN(std::string data, mail::BuildMessage(m));
  // Stopping (or dying, in tests) here leaves the claims to this job's
  // next run once the lease runs out.
  if (!context.Progress(50, "sending")) {
    return absl::CancelledError("worker stopping");
  }
  FP_RETURN_IF_ERROR(sender_->Send(config_.from.email, {loaded.email}, data));

  nev1::EmailSent sent;
  sent.set_user(UserName(org, user));
  sent.set_organization(absl::StrCat("orgs/", org));
  for (std::string& name : NotificationNames(org, user, loaded.items)) {
    sent.add_notifications(std::move(name));
  }
  sent.set_digest(digest);
  sent.set_message_id(m.message_id);
  sent.set_attempts(job.attempt);
  return jobs::TxFn([this, release_claims, digest, user,
                     sent = std::move(sent)](db::Tx& tx) -> absl::Status {
    if (digest) FP_RETURN_IF_ERROR(release_claims(tx));
    return outbox_.Append(tx, user, sent).status();
  });
}

absl::Status EmailRunner::OnFailure(db::Tx& tx,
                                    const jobs::ClaimedJob<EmailPayload>& job,
                                    const absl::Status& error,
                                    jobs::FailOutcome outcome) {
  if (outcome == jobs::FailOutcome::kRetry) return absl::OkStatus();
  const std::string& org = job.org_id;
  const EmailPayload& p = job.payload;
  nev1::EmailFailed failed;
  failed.set_user(UserName(org, p.user_id));
  failed.set_organization(absl::StrCat("orgs/", org));
  failed.set_digest(p.kind == "DIGEST");
  failed.set_error(std::string(error.message()));
  failed.set_attempts(job.attempt);
  if (p.kind == "DIGEST") {
    // Given up: the items leave the queue with this event.
    FP_ASSIGN_OR_RETURN(
        db::Result dropped,
        tx.Execute("DELETE FROM email_digest_items WHERE org_id = $1"
                   " AND user_id = $2 AND claimed_by = $3"
                   " RETURNING notification_id",
                   {org, p.user_id, job.id}));
    for (db::Row row : dropped) {
      failed.add_notifications(absl::StrCat(UserName(org, p.user_id),
                                            "/notifications/", row.Value(0)));
    }
  } else {
    failed.add_notifications(absl::StrCat(
        UserName(org, p.user_id), "/notifications/", p.notification_id));
  }
  return outbox_.Append(tx, p.user_id, failed).status();
}

}  // namespace fineprint::notification
