// The caller's inbox: list, mark read, and the live stream with resume.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "services/notification/notification_service.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/server/call_context.h"

namespace fineprint::notification {
namespace {

// The stream re-reads at most this many rows per wake-up; a client far
// behind catches up in several reads.
constexpr int kStreamBatch = 500;

absl::StatusOr<int64_t> UnreadCount(db::Executor& ex, absl::string_view org,
                                    absl::string_view user) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      ex.Execute("SELECT count(*) FROM notifications WHERE org_id = $1"
                 " AND user_id = $2 AND NOT read",
                 {org, user}));
  return r[0].GetInt64(0);
}

}  // namespace

db::TxOptions NotificationServiceImpl::TxOptionsForCall() const {
  db::TxOptions options;
  if (const server::CallContext* call = server::CurrentCall()) {
    options.deadline = call->deadline;
  }
  return options;
}

absl::StatusOr<std::vector<std::string>> NotificationServiceImpl::CallerUser(
    absl::string_view name, absl::string_view pattern,
    absl::string_view field) const {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseTenantName(caller, name, pattern, field));
  if (caller.user != UserName(ids[0], ids[1])) {
    return status::WithReason(absl::PermissionDeniedError(absl::StrCat(
                                  "only the user may access ", field)),
                              "NOT_OWNER");
  }
  return ids;
}

absl::Status NotificationServiceImpl::DoList(
    const v1::ListNotificationsRequest& req,
    v1::ListNotificationsResponse* resp) {
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      CallerUser(req.parent(), kUserPattern, "parent"));
  const std::string &org = ids[0], &user = ids[1];
  FP_ASSIGN_OR_RETURN(int page_size, api::EffectivePageSize(req.page_size()));
  const std::string scope =
      absl::StrCat(req.parent(), "/notifications?unread=", req.unread_only());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                      api::DecodePageToken(req.page_token(), scope, 1));
  int64_t before = INT64_MAX;
  if (!cursor.empty() && !absl::SimpleAtoi(cursor[0], &before)) {
    return status::InvalidArgument("invalid page token",
                                   {{"page_token", "malformed"}});
  }
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  // Newest first by sequence: a stable cursor even when rows arrive while
  // the client pages.
  FP_ASSIGN_OR_RETURN(
      db::Result rows,
      conn->Execute(absl::StrCat("SELECT ", kNotificationColumns,
                                 " FROM notifications WHERE org_id = $1"
                                 " AND user_id = $2 AND seq < $3"
                                 " AND (NOT $4 OR NOT read)"
                                 " ORDER BY seq DESC LIMIT $5"),
                    {org, user, before, req.unread_only(), page_size + 1}));
  for (int i = 0; i < rows.num_rows() && i < page_size; ++i) {
    FP_ASSIGN_OR_RETURN(*resp->add_notifications(),
                        NotificationFromRow(rows[i]));
  }
  if (rows.num_rows() > page_size) {
    resp->set_next_page_token(api::EncodePageToken(
        scope, {absl::StrCat(resp->notifications(page_size - 1).sequence())}));
  }
  FP_ASSIGN_OR_RETURN(int64_t unread, UnreadCount(*conn, org, user));
  resp->set_unread_count(static_cast<int32_t>(unread));
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::DoMarkRead(
    const v1::MarkNotificationsReadRequest& req,
    v1::MarkNotificationsReadResponse* resp) {
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      CallerUser(req.parent(), kUserPattern, "parent"));
  const std::string &org = ids[0], &user = ids[1];
  std::vector<status::FieldViolation> violations;
  std::vector<std::string> notification_ids;
  if (!req.all()) {
    if (req.names_size() == 0 && req.up_to_sequence() <= 0) {
      violations.push_back(
          {"names", "name notifications, or set all or up_to_sequence"});
    }
    if (req.names_size() > 1000)
      violations.push_back({"names", "at most 1000"});
    if (req.up_to_sequence() < 0) {
      violations.push_back({"up_to_sequence", "must not be negative"});
    }
    for (int i = 0; i < req.names_size(); ++i) {
      absl::StatusOr<std::vector<std::string>> parsed =
          api::ParseResourceName(req.names(i), kNotificationPattern, "names");
      if (!parsed.ok() || (*parsed)[0] != org || (*parsed)[1] != user) {
        violations.push_back({absl::StrCat("names[", i, "]"),
                              "not a notification of this user"});
        continue;
      }
      notification_ids.push_back((*parsed)[2]);
    }
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid request", std::move(violations));
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        absl::StatusOr<db::Result> r;
        if (req.all()) {
          r = tx.Execute(
              "UPDATE notifications SET read = true WHERE org_id = $1"
              " AND user_id = $2 AND NOT read",
              {org, user});
        } else {
          r = tx.Execute(
              "UPDATE notifications SET read = true WHERE org_id = $1"
              " AND user_id = $2 AND NOT read"
              " AND (seq <= $3 OR id = ANY(string_to_array($4, ',')))",
              {org, user, req.up_to_sequence(),
               absl::StrJoin(notification_ids, ",")});
        }
        if (!r.ok()) return r.status();
        resp->set_marked_count(static_cast<int32_t>(r->affected_rows()));
        FP_ASSIGN_OR_RETURN(int64_t unread, UnreadCount(tx, org, user));
        resp->set_unread_count(static_cast<int32_t>(unread));
        if (resp->marked_count() == 0) return absl::OkStatus();
        notification::events::v1::NotificationsRead read;
        read.set_user(req.parent());
        read.set_organization(absl::StrCat("orgs/", org));
        read.set_marked_count(resp->marked_count());
        read.set_unread_count(resp->unread_count());
        return outbox_.Append(tx, user, read).status();
      });
}

absl::Status NotificationServiceImpl::DoStream(
    grpc::ServerContext* ctx, const v1::StreamNotificationsRequest& req,
    grpc::ServerWriter<v1::StreamNotificationsResponse>* writer) {
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      CallerUser(req.parent(), kUserPattern, "parent"));
  const std::string &org = ids[0], &user = ids[1];
  const std::string key = absl::StrCat(org, "/", user);
  // Resume point: the request's `after`, else the SSE Last-Event-ID the
  // edge forwards as metadata.
  std::string after = req.after();
  if (after.empty()) {
    auto it = ctx->client_metadata().find("last-event-id");
    if (it != ctx->client_metadata().end()) {
      after.assign(it->second.data(), it->second.size());
    }
  }
  int64_t last = -1;
  if (!after.empty() && (!absl::SimpleAtoi(after, &last) || last < 0)) {
    return status::InvalidArgument("invalid resume point",
                                   {{"after", "an event id of this stream"}});
  }
  int64_t version = hub_->Version(key);
  if (last < 0) {
    // Live only: start after whatever exists now.
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        conn->Execute("SELECT COALESCE(max(seq), 0) FROM notifications"
                      " WHERE org_id = $1 AND user_id = $2",
                      {org, user}));
    FP_ASSIGN_OR_RETURN(last, r[0].GetInt64(0));
  }
  // Rows are read by sequence > last: members' row locks make a user's
  // sequences commit in order, so none is skipped, and none is sent twice.
  while (!ctx->IsCancelled() && !hub_->shut_down()) {
    std::vector<v1::StreamNotificationsResponse> batch;
    {
      FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
      FP_ASSIGN_OR_RETURN(
          db::Result rows,
          conn->Execute(absl::StrCat("SELECT ", kNotificationColumns,
                                     " FROM notifications WHERE org_id = $1"
                                     " AND user_id = $2 AND seq > $3"
                                     " ORDER BY seq LIMIT $4"),
                        {org, user, last, kStreamBatch}));
      if (!rows.empty()) {
        FP_ASSIGN_OR_RETURN(db::Result base,
                            conn->Execute("SELECT count(*) FROM notifications"
                                          " WHERE org_id = $1 AND user_id = $2"
                                          " AND seq <= $3 AND NOT read",
                                          {org, user, last}));
        FP_ASSIGN_OR_RETURN(int64_t unread, base[0].GetInt64(0));
        for (db::Row row : rows) {
          v1::StreamNotificationsResponse msg;
          FP_ASSIGN_OR_RETURN(*msg.mutable_notification(),
                              NotificationFromRow(row));
          if (!msg.notification().read()) ++unread;
          msg.set_unread_count(static_cast<int32_t>(unread));
          msg.set_event_id(absl::StrCat(msg.notification().sequence()));
          batch.push_back(std::move(msg));
        }
      }
    }
    for (const auto& msg : batch) {
      if (!writer->Write(msg)) return absl::OkStatus();  // client gone
      last = msg.notification().sequence();
    }
    if (static_cast<int>(batch.size()) >= kStreamBatch) continue;
    hub_->Wait(key, &version, config_.stream_poll);
  }
  return absl::OkStatus();
}

grpc::Status NotificationServiceImpl::ListNotifications(
    grpc::ServerContext*, const v1::ListNotificationsRequest* req,
    v1::ListNotificationsResponse* resp) {
  return status::ToGrpc(DoList(*req, resp));
}

grpc::Status NotificationServiceImpl::MarkNotificationsRead(
    grpc::ServerContext*, const v1::MarkNotificationsReadRequest* req,
    v1::MarkNotificationsReadResponse* resp) {
  return status::ToGrpc(DoMarkRead(*req, resp));
}

grpc::Status NotificationServiceImpl::StreamNotifications(
    grpc::ServerContext* ctx, const v1::StreamNotificationsRequest* req,
    grpc::ServerWriter<v1::StreamNotificationsResponse>* writer) {
  return status::ToGrpc(DoStream(ctx, *req, writer));
}

}  // namespace fineprint::notification
