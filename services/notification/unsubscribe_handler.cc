// UnsubscribeEmail: the public RPC behind every email's one-click
// unsubscribe link. The signed token is the only credential; a forged or
// malformed one changes nothing.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "services/notification/notification_service.h"
#include "services/notification/unsubscribe.h"

namespace fineprint::notification {

absl::Status NotificationServiceImpl::DoUnsubscribe(
    const v1::UnsubscribeEmailRequest& req,
    v1::UnsubscribeEmailResponse* resp) {
  if (req.token().empty()) {
    return status::InvalidArgument("invalid unsubscribe request",
                                   {{"token", "required"}});
  }
  if (config_.unsubscribe_secret.empty()) {
    return absl::FailedPreconditionError("email is not configured");
  }
  absl::StatusOr<UnsubscribeClaim> claim =
      VerifyUnsubscribeToken(config_.unsubscribe_secret, req.token());
  if (absl::IsInvalidArgument(claim.status())) {
    return status::InvalidArgument("invalid unsubscribe request",
                                   {{"token", "malformed token"}});
  }
  if (!claim.ok()) return claim.status();
  const std::string &org = claim->org, &user = claim->user;
  std::vector<std::string> kinds;
  for (v1::NotificationKind k : claim->kinds) {
    kinds.push_back(v1::NotificationKind_Name(k));
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        resp->Clear();
        FP_ASSIGN_OR_RETURN(db::Result member,
                            tx.Execute("SELECT 1 FROM members WHERE org_id = $1"
                                       " AND user_id = $2",
                                       {org, user}));
        if (member.empty()) return absl::NotFoundError("no such user");
        FP_RETURN_IF_ERROR(
            tx.Execute("INSERT INTO preferences (org_id, user_id)"
                       " VALUES ($1, $2) ON CONFLICT (org_id, user_id)"
                       " DO UPDATE SET version = preferences.version + 1,"
                       "   update_time = now()",
                       {org, user})
                .status());
        const std::string array =
            absl::StrCat("{", absl::StrJoin(kinds, ","), "}");
        // Categories never set keep the app switch on.
        FP_RETURN_IF_ERROR(
            tx.Execute("INSERT INTO category_preferences (org_id, user_id,"
                       "   kind, in_app, email)"
                       " SELECT $1, $2, k, true, false"
                       " FROM unnest($3::text[]) AS k"
                       " ON CONFLICT (org_id, user_id, kind)"
                       " DO UPDATE SET email = false",
                       {org, user, array})
                .status());
        // What waited for a digest in these categories stays unsent.
        FP_RETURN_IF_ERROR(
            tx.Execute("DELETE FROM email_digest_items d USING notifications n"
                       " WHERE d.org_id = $1 AND d.user_id = $2"
                       "   AND d.claimed_by IS NULL AND n.org_id = d.org_id"
                       "   AND n.user_id = d.user_id"
                       "   AND n.id = d.notification_id"
                       "   AND n.kind = ANY($3::text[])",
                       {org, user, array})
                .status());
        notification::events::v1::NotificationPreferencesUpdated updated;
        updated.set_preferences(
            absl::StrCat(UserName(org, user), "/notificationPreferences"));
        updated.set_organization(absl::StrCat("orgs/", org));
        updated.add_changed_fields("categories");
        FP_RETURN_IF_ERROR(outbox_.Append(tx, user, updated).status());
        resp->set_user(UserName(org, user));
        for (v1::NotificationKind k : claim->kinds) resp->add_kinds(k);
        return absl::OkStatus();
      });
}

grpc::Status NotificationServiceImpl::UnsubscribeEmail(
    grpc::ServerContext*, const v1::UnsubscribeEmailRequest* req,
    v1::UnsubscribeEmailResponse* resp) {
  return status::ToGrpc(DoUnsubscribe(*req, resp));
}

}  // namespace fineprint::notification
