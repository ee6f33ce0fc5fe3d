// Master data by two accounts (issue 14): a change of an enterprise's name,
// flags or tags, or a new enterprise, that an upload asked for waits in
// `master_change` until an account other than the uploader approves it
// (evidence.cc holds it).
#include <string>
#include <vector>

#include "store/store.h"

namespace bursar::store {
namespace {

constexpr const char* kMasterColumns =
    "id, credit_code, name, registered_in_chaoyang, taxed_in_chaoyang, independent_legal_person, "
    "serious_dishonesty_record, tags, fields, requested_by, requested_at, state, decided_by, decided_at, reason, kind";

MasterChange MasterFromRow(const Row& r) {
  auto text = [&](size_t i) { return r.IsNull(i) ? std::string() : r.Text(i); };
  MasterChange c;
  c.id = r.Int(0);
  c.credit_code = text(1);
  c.name = text(2);
  c.registered_in_chaoyang = r.Int(3) != 0;
  c.taxed_in_chaoyang = r.Int(4) != 0;
  c.independent_legal_person = r.Int(5) != 0;
  c.serious_dishonesty_record = r.Int(6) != 0;
  c.tags = text(7);
  c.fields = text(8);
  c.requested_by = text(9);
  c.requested_at = text(10);
  c.state = text(11);
  c.decided_by = text(12);
  c.decided_at = text(13);
  c.reason = text(14);
  c.kind = text(15);
  return c;
}

// The pending change `id`, locked for the decision; `actor` may not decide
// the change it uploaded.
Result<MasterChange> PendingMasterChange(Database& db, int64_t id, const std::string& actor) {
  BURSAR_ASSIGN_OR_RETURN(auto row, db.QueryOne(std::string("SELECT ") + kMasterColumns +
                                                    " FROM master_change WHERE id = ?" +
                                                    (db.dialect() == Dialect::kPostgres ? " FOR UPDATE" : ""),
                                                {id}));
  if (!row) return Status(StatusCode::kNotFound, "no master-data change " + std::to_string(id), "id");
  MasterChange c = MasterFromRow(*row);
  if (c.state != "pending") {
    return Status(StatusCode::kFailedPrecondition,
                  "master-data change " + std::to_string(id) + " was " + c.state + " by " + c.decided_by)
        .WithReason("already_decided", {{"what", "master_change"}, {"id", std::to_string(id)}, {"state", c.state}, {"by", c.decided_by}});
  }
  if (c.requested_by == actor) {
    return Status(StatusCode::kPermissionDenied,
                  "master data by two accounts: the account that uploaded a change of an enterprise cannot approve "
                  "or reject it; another data-bureau account or an officer does")
        .WithReason("uploader_approves", {{"change", std::to_string(id)}, {"actor", actor}});
  }
  return c;
}

}  // namespace

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  for (size_t start = 0; start < text.size();) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Result<std::vector<MasterChange>> Store::MasterChanges(const std::string& state) {
  if (!state.empty() && state != "pending" && state != "approved" && state != "rejected") {
    return InvalidArgument("state is pending, approved or rejected", "query.state");
  }
  const std::string sql = std::string("SELECT ") + kMasterColumns + " FROM master_change";
  std::vector<Row> rows;
  if (state.empty()) {
    BURSAR_ASSIGN_OR_RETURN(rows, db_->Query(sql + " ORDER BY id"));
  } else {
    BURSAR_ASSIGN_OR_RETURN(rows, db_->Query(sql + " WHERE state = ? ORDER BY id", {state}));
  }
  std::vector<MasterChange> out;
  for (const Row& r : rows) out.push_back(MasterFromRow(r));
  return out;
}

Result<MasterChange> Store::ApproveMasterChange(const std::string& actor, int64_t id) {
  MasterChange out;
  auto written = Write(actor, [&](Database& db) -> Result<std::optional<nlohmann::json>> {
    BURSAR_ASSIGN_OR_RETURN(out, PendingMasterChange(db, id, actor));
    if (out.kind == "new") {
      // A new enterprise: stored now, unless it was stored meanwhile.
      BURSAR_ASSIGN_OR_RETURN(auto stored,
                              db.QueryOne("SELECT 1 FROM enterprise WHERE credit_code = ?", {out.credit_code}));
      if (stored) {
        return Status(StatusCode::kConflict, "enterprise " + out.credit_code +
                                                 " was stored meanwhile: reject this change and upload the "
                                                 "enterprise again to change it");
      }
      BURSAR_RETURN_IF_ERROR(
          db.Execute("INSERT INTO enterprise (credit_code, name, registered_in_chaoyang, taxed_in_chaoyang, "
                     "independent_legal_person, serious_dishonesty_record, tags) SELECT credit_code, name, "
                     "registered_in_chaoyang, taxed_in_chaoyang, independent_legal_person, serious_dishonesty_record, "
                     "tags FROM master_change WHERE id = ?",
                     {id})
              .status());
    } else {
      BURSAR_RETURN_IF_ERROR(
          db.Execute("UPDATE enterprise SET (name, registered_in_chaoyang, taxed_in_chaoyang, independent_legal_person, "
                     "serious_dishonesty_record, tags) = (SELECT name, registered_in_chaoyang, taxed_in_chaoyang, "
                     "independent_legal_person, serious_dishonesty_record, tags FROM master_change WHERE id = ?) "
                     "WHERE credit_code = ?",
                     {id, out.credit_code})
              .status());
    }
    const std::string now = Now();
    BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE master_change SET state = 'approved', decided_by = ?, decided_at = ? "
                                      "WHERE id = ?",
                                      {actor, now, id})
                               .status());
    out.state = "approved";
    out.decided_by = actor;
    out.decided_at = now;
    return std::optional<nlohmann::json>(nlohmann::json{{"op", "enterprise.change.approve"},
                                                        {"change", id},
                                                        {"kind", out.kind},
                                                        {"credit_code", out.credit_code},
                                                        {"fields", SplitCommas(out.fields)},
                                                        {"requested_by", out.requested_by}});
  });
  if (!written.ok()) return written.status();
  return out;
}

Result<MasterChange> Store::RejectMasterChange(const std::string& actor, int64_t id, const std::string& reason) {
  if (reason.empty() || reason.size() > 2000) {
    return InvalidArgument("a rejection states its reason (1 to 2000 bytes)", "reason");
  }
  MasterChange out;
  auto written = Write(actor, [&](Database& db) -> Result<std::optional<nlohmann::json>> {
    BURSAR_ASSIGN_OR_RETURN(out, PendingMasterChange(db, id, actor));
    const std::string now = Now();
    BURSAR_RETURN_IF_ERROR(db.Execute("UPDATE master_change SET state = 'rejected', decided_by = ?, decided_at = ?, "
                                      "reason = ? WHERE id = ?",
                                      {actor, now, reason, id})
                               .status());
    out.state = "rejected";
    out.decided_by = actor;
    out.decided_at = now;
    out.reason = reason;
    return std::optional<nlohmann::json>(nlohmann::json{{"op", "enterprise.change.reject"},
                                                        {"change", id},
                                                        {"credit_code", out.credit_code},
                                                        {"reason", reason}});
  });
  if (!written.ok()) return written.status();
  return out;
}

}  // namespace bursar::store
