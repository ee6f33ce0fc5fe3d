#include "store/migrations.h"

#include "store/digest.h"

namespace bursar::store {

namespace {

// Dates are DATE on PostgreSQL and ISO-8601 TEXT on SQLite (which has no date
// type); both compare correctly as 'YYYY-MM-DD'. JSON documents are TEXT on
// both, never jsonb: a decision's case and output must come back byte for byte.
// Booleans are INTEGER 0/1 on both so that rows read back identically.
constexpr const char* kEvidence = R"SQL(
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  prev_digest TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  change TEXT NOT NULL,
  digest TEXT NOT NULL
);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  digest TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, digest)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE enterprise (
  credit_code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  registered_in_chaoyang INTEGER NOT NULL CHECK (registered_in_chaoyang IN (0, 1)),
  taxed_in_chaoyang INTEGER NOT NULL CHECK (taxed_in_chaoyang IN (0, 1)),
  independent_legal_person INTEGER NOT NULL CHECK (independent_legal_person IN (0, 1)),
  serious_dishonesty_record INTEGER NOT NULL CHECK (serious_dishonesty_record IN (0, 1)),
  tags TEXT NOT NULL
);
CREATE TABLE listing (
  exchange TEXT NOT NULL,
  listing_id TEXT NOT NULL,
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  product TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('dataset', 'api', 'report', 'service', 'tool')),
  listing_date {{DATE}} NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('listed', 'delisted', 'revoked')),
  PRIMARY KEY (exchange, listing_id)
);
CREATE INDEX listing_by_enterprise ON listing (credit_code, listing_date);
CREATE TABLE certificate (
  platform TEXT NOT NULL,
  number TEXT NOT NULL,
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  resource TEXT NOT NULL,
  registered_right TEXT NOT NULL CHECK (registered_right IN ('holding', 'processing_and_use', 'operating')),
  issue_date {{DATE}} NOT NULL,
  valid_until {{DATE}},
  status TEXT NOT NULL CHECK (status IN ('valid', 'expired', 'revoked')),
  PRIMARY KEY (platform, number)
);
CREATE INDEX certificate_by_enterprise ON certificate (credit_code, issue_date);
CREATE TABLE fs_inclusion (
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  year INTEGER NOT NULL,
  amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
  first_time INTEGER NOT NULL CHECK (first_time IN (0, 1)),
  PRIMARY KEY (credit_code, year)
);
CREATE TABLE trade (
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  exchange TEXT NOT NULL,
  trade_id TEXT NOT NULL,
  trade_date {{DATE}} NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('seller', 'buyer')),
  amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
  legally_established INTEGER NOT NULL CHECK (legally_established IN (0, 1)),
  PRIMARY KEY (credit_code, exchange, trade_id)
){{WITHOUT_ROWID}};
CREATE TABLE filing (
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  filing_id TEXT NOT NULL,
  filing_date {{DATE}} NOT NULL,
  amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
  PRIMARY KEY (credit_code, filing_id)
);
CREATE TABLE export_clearance (
  route TEXT NOT NULL CHECK (route IN ('security_assessment', 'standard_contract', 'pi_certification')),
  number TEXT NOT NULL,
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  authority TEXT NOT NULL,
  clearance_date {{DATE}} NOT NULL,
  PRIMARY KEY (route, number)
);
CREATE INDEX export_by_enterprise ON export_clearance (credit_code, clearance_date);
CREATE TABLE scenario_project (
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  project_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  investment_fen BIGINT NOT NULL CHECK (investment_fen >= 0),
  civil_construction_fen BIGINT NOT NULL CHECK (civil_construction_fen >= 0),
  PRIMARY KEY (credit_code, project_id)
);
)SQL";

// The audit log refuses UPDATE and DELETE inside the database too, so that a
// bug in bursar cannot rewrite history; the hash chain catches anyone who
// drops these triggers first.
constexpr const char* kEvidenceSqlite = R"SQL(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)SQL";

constexpr const char* kEvidencePostgres = R"SQL(
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
)SQL";

constexpr const char* kApplications = R"SQL(
CREATE TABLE application (
  id {{ID}},
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  year INTEGER NOT NULL,
  measure TEXT NOT NULL,
  item TEXT NOT NULL,
  project TEXT NOT NULL,
  claim TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'in_review', 'decided', 'notice',
                                       'final', 'paid', 'recovered')),
  notice_until {{DATE}},
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (credit_code, year, measure, item, project)
);
CREATE INDEX application_by_year ON application (year, state);
CREATE TABLE review (
  application_id BIGINT NOT NULL REFERENCES application (id),
  reviewer TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('assigned', 'submitted', 'excluded')),
  scores TEXT,
  proposed_fen BIGINT CHECK (proposed_fen >= 0),
  conflict TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (application_id, reviewer)
);
CREATE TABLE decision (
  id {{ID}},
  application_id BIGINT NOT NULL REFERENCES application (id),
  policy_digest TEXT NOT NULL,
  case_json TEXT NOT NULL,
  output_json TEXT NOT NULL,
  total_fen BIGINT NOT NULL CHECK (total_fen >= 0),
  decided_at TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  in_force INTEGER NOT NULL CHECK (in_force IN (0, 1))
);
CREATE INDEX decision_by_application ON decision (application_id);
CREATE TABLE objection (
  id {{ID}},
  application_id BIGINT NOT NULL REFERENCES application (id),
  filed_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  filed_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'upheld', 'dismissed')),
  resolution TEXT,
  resolved_at TEXT
);
CREATE TABLE payment (
  application_id BIGINT NOT NULL REFERENCES application (id),
  instalment INTEGER NOT NULL CHECK (instalment >= 1),
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  paid_on {{DATE}} NOT NULL,
  reference TEXT NOT NULL,
  PRIMARY KEY (application_id, instalment)
);
CREATE TABLE recovery (
  id {{ID}},
  application_id BIGINT NOT NULL REFERENCES application (id),
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  reason TEXT NOT NULL,
  recovered_at TEXT NOT NULL
);
CREATE TABLE budget (
  year INTEGER PRIMARY KEY,
  amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0)
);
)SQL";

// Accounts and credentials. Only hashes of secrets are stored (store/accounts.h).
// An applicant is bound to exactly one enterprise; no other role is.
constexpr const char* kAccounts = R"SQL(
CREATE TABLE account (
  id {{ID}},
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('applicant', 'reviewer', 'officer', 'auditor', 'admin')),
  credit_code TEXT REFERENCES enterprise (credit_code),
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at TEXT NOT NULL,
  password_changed_at TEXT NOT NULL,
  CHECK ((role = 'applicant') = (credit_code IS NOT NULL))
);
CREATE TABLE session (
  id_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES account (id),
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE INDEX session_by_account ON session (account_id);
CREATE TABLE api_token (
  id {{ID}},
  id_hash TEXT NOT NULL UNIQUE,
  account_id BIGINT NOT NULL REFERENCES account (id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE TABLE login_attempt (
  key TEXT PRIMARY KEY,
  window_start TEXT NOT NULL,
  failures INTEGER NOT NULL CHECK (failures >= 0)
);
)SQL";

// Measure 02 supports "a platform that has been completed and put into
// operation": the evidence of that fact.
constexpr const char* kPlatforms = R"SQL(
CREATE TABLE platform_operation (
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  platform_id TEXT NOT NULL,
  name TEXT NOT NULL,
  completed_date {{DATE}} NOT NULL,
  operation_start {{DATE}} NOT NULL,
  operation_end {{DATE}},
  PRIMARY KEY (credit_code, platform_id),
  CHECK (operation_start >= completed_date),
  CHECK (operation_end IS NULL OR operation_end >= operation_start)
);
)SQL";

// Every application carries a version for optimistic concurrency (HTTP
// If-Match): any change of the application row, or a row added to or changed
// in its reviews, decisions, objections, payments or recoveries, bumps it.
// Triggers do it, so no write path can forget.
constexpr const char* kVersions = R"SQL(
ALTER TABLE application ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
)SQL";

constexpr const char* kVersionsSqlite = R"SQL(
CREATE TRIGGER application_version AFTER UPDATE ON application WHEN NEW.version = OLD.version
  BEGIN UPDATE application SET version = OLD.version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER review_insert_version AFTER INSERT ON review
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER review_update_version AFTER UPDATE ON review
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER decision_insert_version AFTER INSERT ON decision
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER decision_update_version AFTER UPDATE ON decision
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER objection_insert_version AFTER INSERT ON objection
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER objection_update_version AFTER UPDATE ON objection
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER payment_insert_version AFTER INSERT ON payment
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
CREATE TRIGGER recovery_insert_version AFTER INSERT ON recovery
  BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; END;
)SQL";

constexpr const char* kVersionsPostgres = R"SQL(
CREATE FUNCTION application_version() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN IF NEW.version = OLD.version THEN NEW.version := OLD.version + 1; END IF; RETURN NEW; END $$;
CREATE TRIGGER application_version BEFORE UPDATE ON application
  FOR EACH ROW EXECUTE FUNCTION application_version();
CREATE FUNCTION application_child_version() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN UPDATE application SET version = version + 1 WHERE id = NEW.application_id; RETURN NULL; END $$;
CREATE TRIGGER review_version AFTER INSERT OR UPDATE ON review
  FOR EACH ROW EXECUTE FUNCTION application_child_version();
CREATE TRIGGER decision_version AFTER INSERT OR UPDATE ON decision
  FOR EACH ROW EXECUTE FUNCTION application_child_version();
CREATE TRIGGER objection_version AFTER INSERT OR UPDATE ON objection
  FOR EACH ROW EXECUTE FUNCTION application_child_version();
CREATE TRIGGER payment_version AFTER INSERT ON payment
  FOR EACH ROW EXECUTE FUNCTION application_child_version();
CREATE TRIGGER recovery_version AFTER INSERT ON recovery
  FOR EACH ROW EXECUTE FUNCTION application_child_version();
)SQL";

// Idempotency keys (HTTP Idempotency-Key, docs/http-api.md): the first answer
// to a write, replayed for a retry with the same key. `status` 0 while the
// first request is still running. Bookkeeping, not audited.
constexpr const char* kIdempotency = R"SQL(
CREATE TABLE idempotency_key (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (owner, key)
);
)SQL";

// Idempotency keys get the token of the request that claimed them, so a
// retry can tell a claim its own server left behind (taken over at once)
// from one another request still runs; status -1 marks a claim whose
// request committed its change but whose answer was not stored
// (server/idempotency.cc).
constexpr const char* kIdempotencyToken = R"SQL(
ALTER TABLE idempotency_key ADD COLUMN token TEXT NOT NULL DEFAULT '';
)SQL";

// Who recovered the money, kept with the recovery as `decision.decided_by` is
// with the decision. Recoveries made before this migration take the actor of
// their audit entry (op application.recover; one per application, since a
// recovery ends in the state recovered): the audit log always recorded it.
constexpr const char* kRecoveredBy = R"SQL(
ALTER TABLE recovery ADD COLUMN recovered_by TEXT;
UPDATE recovery SET recovered_by = (
  SELECT l.actor FROM audit_log l
  WHERE l.change LIKE '%"op":"application.recover"%'
    AND l.change LIKE ('%"application":' || recovery.application_id || ',%')
  ORDER BY l.seq DESC LIMIT 1);
)SQL";

// The read side at scale (issue 7, "Load"): indexes that let a list page, an
// enterprise's facts and a reviewer's filter read their rows in order instead
// of sorting or scanning the whole table as the store grows. A decision row
// holds its case and output (KiBs of JSON) before total_fen and in_force, so
// reading those two from the table walks the documents' overflow pages: the
// list reads them from covering indexes instead.
//  - decision_in_force: at most one decision in force per application (Decide
//    and an upheld objection withdraw the old one first); the list's LEFT JOIN
//    therefore keeps its row count, and the list's count needs no join.
//  - decision_by_application_in_force: the list's LEFT JOIN, covering.
//  - decision_by_total: the `total` sort and the count of decided applications.
//  - application_by_updated / _created: the `updated_at` and `created_at` sorts.
//  - review_by_reviewer: the `reviewer` filter of applications and enterprises.
//  - trade_by_date / filing_by_date: an enterprise's rows of a year, in the
//    order the facts list them.
constexpr const char* kReadIndexes = R"SQL(
CREATE UNIQUE INDEX decision_in_force ON decision (application_id) WHERE in_force = 1;
CREATE INDEX decision_by_application_in_force ON decision (application_id, in_force, total_fen);
CREATE INDEX decision_by_total ON decision (in_force, total_fen, application_id);
CREATE INDEX application_by_updated ON application (updated_at, id);
CREATE INDEX application_by_created ON application (created_at, id);
CREATE INDEX review_by_reviewer ON review (reviewer, application_id);
CREATE INDEX trade_by_date ON trade (credit_code, trade_date, exchange, trade_id);
CREATE INDEX filing_by_date ON filing (credit_code, filing_date, filing_id);
)SQL";

// When each account last signed in (issue 6): set with every session opened,
// so the admin can see an account that is no longer used. NULL until the first
// login after this migration; sessions opened before it are not looked back at
// (a session row ends with its session, so the record would be partial).
constexpr const char* kLastLogin = R"SQL(
ALTER TABLE account ADD COLUMN last_login_at TEXT;
)SQL";

// The application list's sorts by year, measure and state (issue 7, "Load"):
// each sorted every matching application before the page (the older
// application_by_year is on (year, state), which leaves every year's rows to
// be sorted by id). An index on (field, id) gives the order of "field" and,
// read backwards, of "-field" (queries.cc breaks ties by id in the sort's
// direction). (state, id) also gives the default order within one state, for
// the list filtered by state.
constexpr const char* kSortIndexes = R"SQL(
CREATE INDEX application_by_year_id ON application (year, id);
CREATE INDEX application_by_measure ON application (measure, id);
CREATE INDEX application_by_state ON application (state, id);
)SQL";

// Limits over an enterprise's awards (D-G7) and net amounts (D-G8), issue 13:
//  - application.submitted_at: when the enterprise submitted (or confirmed) the
//    application. D-G7 serves an enterprise's applications of one year in the
//    order they were submitted, then by id. Applications submitted before this
//    migration take the time of their `application.submit` audit entry (the log
//    always recorded it), or their created_at if the log has none.
//  - year_committed: per programme year, the committed total (decisions in
//    force less recoveries: D-G8's net amounts) and the count of payments, kept
//    by triggers on decision, recovery and payment (no write path can forget
//    them), so that a decision checks D-G6 without summing its whole year.
//  - recovery_by_application: an award's recoveries, read with its ledger.
constexpr const char* kLedger = R"SQL(
ALTER TABLE application ADD COLUMN submitted_at TEXT;
CREATE INDEX recovery_by_application ON recovery (application_id);
CREATE TABLE year_committed (
  year INTEGER PRIMARY KEY,
  committed_fen BIGINT NOT NULL,
  payments BIGINT NOT NULL CHECK (payments >= 0)
);
INSERT INTO year_committed (year, committed_fen, payments)
  SELECT year, SUM(committed_fen), SUM(payments) FROM (
    SELECT a.year AS year, d.total_fen AS committed_fen, 0 AS payments
      FROM decision d JOIN application a ON a.id = d.application_id WHERE d.in_force = 1
    UNION ALL
    SELECT a.year, -r.amount_fen, 0 FROM recovery r JOIN application a ON a.id = r.application_id
    UNION ALL
    SELECT a.year, 0, 1 FROM payment p JOIN application a ON a.id = p.application_id
  ) AS t GROUP BY year;
)SQL";

constexpr const char* kLedgerSqlite = R"SQL(
UPDATE application SET submitted_at = s.at FROM (
  SELECT CAST(json_extract(change, '$.application') AS INTEGER) AS id, MIN(at) AS at FROM audit_log
  WHERE change LIKE '%"op":"application.submit"%' GROUP BY 1) AS s
WHERE s.id = application.id;
UPDATE application SET submitted_at = created_at WHERE submitted_at IS NULL AND state <> 'draft';
CREATE TRIGGER decision_insert_committed AFTER INSERT ON decision WHEN NEW.in_force = 1
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, NEW.total_fen, 0 FROM application WHERE id = NEW.application_id
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER decision_update_committed AFTER UPDATE ON decision
  WHEN NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0 FROM application
      WHERE id = NEW.application_id
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER recovery_insert_committed AFTER INSERT ON recovery
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, -NEW.amount_fen, 0 FROM application WHERE id = NEW.application_id
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER payment_insert_committed AFTER INSERT ON payment
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, 0, 1 FROM application WHERE id = NEW.application_id
      ON CONFLICT (year) DO UPDATE SET payments = payments + 1;
  END;
)SQL";

constexpr const char* kLedgerPostgres = R"SQL(
UPDATE application a SET submitted_at = s.at FROM (
  SELECT (change::json->>'application')::bigint AS id, MIN(at) AS at FROM audit_log
  WHERE change LIKE '%"op":"application.submit"%' GROUP BY 1) AS s
WHERE s.id = a.id;
UPDATE application SET submitted_at = created_at WHERE submitted_at IS NULL AND state <> 'draft';
CREATE FUNCTION year_committed_add(app BIGINT, committed BIGINT, paid BIGINT) RETURNS void LANGUAGE sql AS
  $$ INSERT INTO year_committed (year, committed_fen, payments)
       SELECT year, committed, paid FROM application WHERE id = app
     ON CONFLICT (year) DO UPDATE SET committed_fen = year_committed.committed_fen + excluded.committed_fen,
                                      payments = year_committed.payments + excluded.payments $$;
CREATE FUNCTION decision_committed() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN
       IF TG_OP = 'INSERT' THEN
         IF NEW.in_force = 1 THEN PERFORM year_committed_add(NEW.application_id, NEW.total_fen, 0); END IF;
       ELSIF NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen THEN
         PERFORM year_committed_add(NEW.application_id, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0);
       END IF;
       RETURN NULL;
     END $$;
CREATE TRIGGER decision_committed AFTER INSERT OR UPDATE ON decision
  FOR EACH ROW EXECUTE FUNCTION decision_committed();
CREATE FUNCTION recovery_committed() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM year_committed_add(NEW.application_id, -NEW.amount_fen, 0); RETURN NULL; END $$;
CREATE TRIGGER recovery_committed AFTER INSERT ON recovery
  FOR EACH ROW EXECUTE FUNCTION recovery_committed();
CREATE FUNCTION payment_committed() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM year_committed_add(NEW.application_id, 0, 1); RETURN NULL; END $$;
CREATE TRIGGER payment_committed AFTER INSERT ON payment
  FOR EACH ROW EXECUTE FUNCTION payment_committed();
)SQL";

// Procedural dates are the server's (D-G9, issue 14): the day the public
// notice was published (its notice_days run from the day after) and the day
// the application became final (no payment is dated before it). Both are
// Beijing calendar days of the store's clock, never a date a user typed.
// Applications published or finalised before this migration leave them NULL;
// their audit entries hold the time of each step.
constexpr const char* kProceduralDates = R"SQL(
ALTER TABLE application ADD COLUMN notice_published_on {{DATE}};
ALTER TABLE application ADD COLUMN finalised_on {{DATE}};
)SQL";

// Official documents (issue 15): each decision letter, public notice and
// payment notice takes a number of its kind and year the first time it is
// issued, kept for good (never reused: a number is one more than the highest
// of its kind and year), and the office's settings printed on them
// (store/documents.h).
constexpr const char* kDocuments = R"SQL(
CREATE TABLE document_setting (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE document (
  kind TEXT NOT NULL CHECK (kind IN ('decision', 'notice', 'payment')),
  year INTEGER NOT NULL,
  seq BIGINT NOT NULL CHECK (seq > 0),
  number TEXT NOT NULL,
  subject TEXT NOT NULL,
  issued_on {{DATE}} NOT NULL,
  issued_at TEXT NOT NULL,
  issued_by TEXT NOT NULL,
  PRIMARY KEY (kind, year, seq),
  UNIQUE (kind, subject)
);
)SQL";

// Row seals (store/seal.h, issue 14): the image of every row each write
// changed, under the write's audit entry, so that `bursar audit verify` can
// reconcile the state tables with the chain. audit_row is append-only like
// audit_log. On PostgreSQL the capture triggers are created here, one per
// sealed table, with the table's key, skipped and digested columns (the same
// lists as SealedTables()); they capture only inside a bursar write, into the
// writing session's TEMP table. SQLite's capture triggers are TEMP triggers
// of bursar's own connection (seal.cc). Store::Migrate seals every row
// already stored under this migration's entry: the baseline.
constexpr const char* kSeals = R"SQL(
CREATE TABLE audit_row (
  seq BIGINT NOT NULL,
  tbl TEXT NOT NULL,
  row_key TEXT NOT NULL,
  image TEXT,
  PRIMARY KEY (tbl, row_key, seq)
);
CREATE INDEX audit_row_by_seq ON audit_row (seq);
)SQL";

constexpr const char* kSealsSqlite = R"SQL(
CREATE TRIGGER audit_row_no_update BEFORE UPDATE ON audit_row
  BEGIN SELECT RAISE(ABORT, 'audit_row is append-only'); END;
CREATE TRIGGER audit_row_no_delete BEFORE DELETE ON audit_row
  BEGIN SELECT RAISE(ABORT, 'audit_row is append-only'); END;
)SQL";

constexpr const char* kSealsPostgres = R"SQL(
CREATE FUNCTION audit_row_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit_row is append-only'; END $$;
CREATE TRIGGER audit_row_no_update BEFORE UPDATE OR DELETE ON audit_row
  FOR EACH ROW EXECUTE FUNCTION audit_row_append_only();
CREATE FUNCTION bursar_row_key(r jsonb, key_columns text[]) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT string_agg(r ->> k, '/' ORDER BY i) FROM unnest(key_columns) WITH ORDINALITY AS u(k, i) $$;
CREATE FUNCTION bursar_row_image(r jsonb, skip text[], digest text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS
  $$ SELECT (r - skip) || COALESCE((SELECT jsonb_object_agg(d, CASE WHEN r ->> d IS NULL THEN 'null'::jsonb
       ELSE to_jsonb(encode(sha256(convert_to(r ->> d, 'UTF8')), 'hex')) END)
     FROM unnest(digest) AS d WHERE r ? d), '{}'::jsonb) $$;
CREATE FUNCTION bursar_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  key_columns text[] := string_to_array(TG_ARGV[0], ',');
  skip text[] := string_to_array(TG_ARGV[1], ',');
  digest text[] := string_to_array(TG_ARGV[2], ',');
  old_key text;
  new_key text;
BEGIN
  IF current_setting('bursar.capture', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  IF TG_OP <> 'INSERT' THEN old_key := bursar_row_key(to_jsonb(OLD), key_columns); END IF;
  IF TG_OP <> 'DELETE' THEN
    new_key := bursar_row_key(to_jsonb(NEW), key_columns);
    IF old_key IS NOT NULL AND old_key <> new_key THEN
      INSERT INTO pg_temp.bursar_capture (tbl, row_key, image) VALUES (TG_TABLE_NAME, old_key, NULL);
    END IF;
    INSERT INTO pg_temp.bursar_capture (tbl, row_key, image)
      VALUES (TG_TABLE_NAME, new_key, bursar_row_image(to_jsonb(NEW), skip, digest)::text);
  ELSE
    INSERT INTO pg_temp.bursar_capture (tbl, row_key, image) VALUES (TG_TABLE_NAME, old_key, NULL);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON enterprise
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('credit_code', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON application
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', 'version', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON review
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('application_id,reviewer', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON decision
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', 'case_json,output_json');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON objection
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON payment
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('application_id,instalment', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON recovery
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON budget
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('year', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON account
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', 'password_hash');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON session
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id_hash', 'last_seen_at', 'csrf_token');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON api_token
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON document
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('kind,year,seq', '', '');
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON document_setting
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('key', '', '');
)SQL";

// Separation of duties (issue 14): two roles more — finance records and
// approves payments, the data bureau imports evidence from official sources —
// and the payment orders a first finance account records above the office's
// threshold, each paid only when a second finance account approves it. A
// payment row says who recorded it and who approved it (NULL on older rows and
// on a payment at or below the threshold, which needs no second account).
constexpr const char* kDuties = R"SQL(
CREATE TABLE payment_order (
  id {{ID}},
  application_id BIGINT NOT NULL REFERENCES application (id),
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  reference TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  instalment INTEGER,
  CHECK ((state = 'pending') = (decided_by IS NULL)),
  CHECK ((state = 'approved') = (instalment IS NOT NULL))
);
CREATE INDEX payment_order_by_application ON payment_order (application_id, state);
CREATE INDEX payment_order_by_reference ON payment_order (reference);
CREATE INDEX payment_by_reference ON payment (reference);
ALTER TABLE payment ADD COLUMN recorded_by TEXT;
ALTER TABLE payment ADD COLUMN approved_by TEXT;
)SQL";
// SQLite cannot change a CHECK constraint in place: the account table is
// copied into one with the wider role list (its rows, ids and columns as they
// are), the way SQLite's documentation describes, with foreign keys checked
// once at the end (Store::Migrate).
constexpr const char* kDutiesSqlite = R"SQL(
CREATE TABLE account_with_duties (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('applicant', 'reviewer', 'officer', 'auditor', 'admin', 'finance', 'data-bureau')),
  credit_code TEXT REFERENCES enterprise (credit_code),
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at TEXT NOT NULL,
  password_changed_at TEXT NOT NULL,
  last_login_at TEXT,
  CHECK ((role = 'applicant') = (credit_code IS NOT NULL))
);
INSERT INTO account_with_duties (id, username, password_hash, role, credit_code, disabled, created_at,
                                 password_changed_at, last_login_at)
  SELECT id, username, password_hash, role, credit_code, disabled, created_at, password_changed_at, last_login_at
  FROM account;
DROP TABLE account;
ALTER TABLE account_with_duties RENAME TO account;
)SQL";
constexpr const char* kDutiesPostgres = R"SQL(
ALTER TABLE account DROP CONSTRAINT account_role_check;
ALTER TABLE account ADD CONSTRAINT account_role_check
  CHECK (role IN ('applicant', 'reviewer', 'officer', 'auditor', 'admin', 'finance', 'data-bureau'));
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON payment_order
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', '');
)SQL";

// Evidence provenance (D-G10): every evidence row says where it came from —
// an official import (the data bureau's, or `bursar import`) or the
// applicant's own declaration — and which account supplied it. A declared row
// counts in a decision only once an officer has verified it (verified_by, the
// server's day in verified_on). Rows stored before this migration were all
// imported as official files or uploaded before declarations were told apart:
// they stay official, supplied_by '' ("before migration 17").
// The same four columns on every evidence table (the tables of the
// evidence kinds in evidence.cc, enterprises excepted: the enterprise record
// is the data bureau's alone).
const char* ProvenanceSql() {
  static const std::string sql = [] {
    std::string out;
    for (const char* table : {"listing", "certificate", "fs_inclusion", "trade", "filing", "export_clearance",
                              "scenario_project", "platform_operation"}) {
      const std::string alter = std::string("ALTER TABLE ") + table + " ADD COLUMN ";
      out += alter + "source TEXT NOT NULL DEFAULT 'official' CHECK (source IN ('official', 'declared'));\n";
      out += alter + "supplied_by TEXT NOT NULL DEFAULT '';\n";
      out += alter + "verified_by TEXT;\n";
      out += alter + "verified_on {{DATE}};\n";
    }
    return out;
  }();
  return sql.c_str();
}

// Two admins (issue 14): a grant of a privileged role (a new account) or a
// password reset of a privileged account waits here until a second admin
// approves it; only then is the account stored or its password replaced.
// The hash of the password asked for is kept with the request.
constexpr const char* kAccountChanges = R"SQL(
CREATE TABLE account_change (
  id {{ID}},
  kind TEXT NOT NULL CHECK (kind IN ('grant', 'password')),
  username TEXT NOT NULL,
  role TEXT NOT NULL,
  credit_code TEXT,
  password_hash TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  CHECK ((state = 'pending') = (decided_by IS NULL))
);
CREATE INDEX account_change_by_username ON account_change (username, state);
)SQL";
constexpr const char* kAccountChangesPostgres = R"SQL(
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON account_change
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', 'password_hash');
)SQL";

// Master data by two accounts (issue 14): a data-bureau upload that would
// change a stored enterprise's name, flags or tags waits here, with the
// values it would store, until another account (data bureau or officer)
// approves it; only then is the enterprise row changed.
constexpr const char* kMasterChanges = R"SQL(
CREATE TABLE master_change (
  id {{ID}},
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  name TEXT NOT NULL,
  registered_in_chaoyang INTEGER NOT NULL CHECK (registered_in_chaoyang IN (0, 1)),
  taxed_in_chaoyang INTEGER NOT NULL CHECK (taxed_in_chaoyang IN (0, 1)),
  independent_legal_person INTEGER NOT NULL CHECK (independent_legal_person IN (0, 1)),
  serious_dishonesty_record INTEGER NOT NULL CHECK (serious_dishonesty_record IN (0, 1)),
  tags TEXT NOT NULL,
  fields TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  CHECK ((state = 'pending') = (decided_by IS NULL))
);
CREATE INDEX master_change_by_code ON master_change (credit_code, state);
)SQL";
constexpr const char* kMasterChangesPostgres = R"SQL(
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON master_change
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', '');
)SQL";

// Evidence digests (issue 14): per evidence table and enterprise, the count
// and a set digest of its rows, updated by every write that changes evidence
// and sealed like a state table, so that `audit verify` names an enterprise
// whose evidence was edited by hand (evidence_seal.h). The migration's entry
// seals the digests of the evidence already stored (Store::Migrate).
constexpr const char* kEvidenceDigests = R"SQL(
CREATE TABLE evidence_digest (
  tbl TEXT NOT NULL,
  credit_code TEXT NOT NULL,
  row_count BIGINT NOT NULL CHECK (row_count > 0),
  digest TEXT NOT NULL,
  PRIMARY KEY (tbl, credit_code)
);
)SQL";
constexpr const char* kEvidenceDigestsPostgres = R"SQL(
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON evidence_digest
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('tbl,credit_code', '', '');
)SQL";

// New enterprises by two accounts (issue 14): an upload's enterprise that is
// not stored yet waits in master_change too (kind 'new'), so the table no
// longer points at a stored enterprise. SQLite cannot drop a constraint: the
// table is copied into one without it (ids, rows and their seals kept).
constexpr const char* kNewEnterprisesSqlite = R"SQL(
CREATE TABLE master_change_v21 (
  id INTEGER PRIMARY KEY,
  credit_code TEXT NOT NULL,
  name TEXT NOT NULL,
  registered_in_chaoyang INTEGER NOT NULL CHECK (registered_in_chaoyang IN (0, 1)),
  taxed_in_chaoyang INTEGER NOT NULL CHECK (taxed_in_chaoyang IN (0, 1)),
  independent_legal_person INTEGER NOT NULL CHECK (independent_legal_person IN (0, 1)),
  serious_dishonesty_record INTEGER NOT NULL CHECK (serious_dishonesty_record IN (0, 1)),
  tags TEXT NOT NULL,
  fields TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  kind TEXT NOT NULL DEFAULT 'change' CHECK (kind IN ('change', 'new')),
  CHECK ((state = 'pending') = (decided_by IS NULL))
);
INSERT INTO master_change_v21 (id, credit_code, name, registered_in_chaoyang, taxed_in_chaoyang,
  independent_legal_person, serious_dishonesty_record, tags, fields, requested_by, requested_at, state, decided_by,
  decided_at, reason)
SELECT id, credit_code, name, registered_in_chaoyang, taxed_in_chaoyang, independent_legal_person,
  serious_dishonesty_record, tags, fields, requested_by, requested_at, state, decided_by, decided_at, reason
FROM master_change;
DROP TABLE master_change;
ALTER TABLE master_change_v21 RENAME TO master_change;
CREATE INDEX master_change_by_code ON master_change (credit_code, state);
)SQL";
constexpr const char* kNewEnterprisesPostgres = R"SQL(
ALTER TABLE master_change DROP CONSTRAINT master_change_credit_code_fkey;
ALTER TABLE master_change ADD COLUMN kind TEXT NOT NULL DEFAULT 'change' CHECK (kind IN ('change', 'new'));
)SQL";

// Version 22: the facts of a group of enterprises count their listings and
// certificates and sum their trades from the index alone. The indexes held
// the credit code and date (and a trade's key), so every row counted cost a
// lookup of its table row (listings lie in import order, not by enterprise):
// 30 listings an enterprise made the listing count most of `propose`. These
// hold what the count or sum reads (status, provenance, amount) as well, and
// replace them; the trade index keeps its order for the facts' explanation.
constexpr const char* kCountingIndexes = R"SQL(
DROP INDEX listing_by_enterprise;
CREATE INDEX listing_counts ON listing (credit_code, listing_date, status, source, verified_by);
DROP INDEX certificate_by_enterprise;
CREATE INDEX certificate_counts ON certificate (credit_code, issue_date, status, source, verified_by);
DROP INDEX trade_by_date;
CREATE INDEX trade_by_date ON trade (credit_code, trade_date, exchange, trade_id, legally_established, source,
                                     verified_by, amount_fen);
)SQL";

// The reviewer's written opinion beside the scores (issue 15); NULL for the
// reviews submitted before it was asked for.
constexpr const char* kReviewOpinion = R"SQL(
ALTER TABLE review ADD COLUMN opinion TEXT;
)SQL";

// Attachments (申报材料, store/attachments.h): the files of a draft, the
// content as base64 text, sealed with the content digested.
constexpr const char* kAttachments = R"SQL(
CREATE TABLE attachment (
  id {{ID}},
  application_id BIGINT NOT NULL REFERENCES application (id),
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL CHECK (size > 0),
  sha256 TEXT NOT NULL CHECK (LENGTH(sha256) = 64),
  content TEXT NOT NULL,
  uploaded_by TEXT NOT NULL,
  uploaded_at TEXT NOT NULL
);
CREATE INDEX attachment_by_application ON attachment (application_id, id);
)SQL";
constexpr const char* kAttachmentsPostgres = R"SQL(
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON attachment
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('id', '', 'content');
)SQL";

// The audit log by application (issue 17): the entries whose change names an
// application ("application": N, or N in "applications": [...]), kept by a
// trigger on every append and filled here for the entries already written,
// so that an application's history is an index range, not a scan of every
// entry's JSON. Derived from the chain: `audit verify` recomputes it with the
// statement below that fills it (store/audit_derived.cc) and names any row
// that differs.
constexpr const char* kAuditByApplication = R"SQL(
CREATE TABLE audit_application (
  application_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (application_id, seq)
){{WITHOUT_ROWID}};
)SQL";
constexpr const char* kAuditByApplicationSqlite = R"SQL(
INSERT OR IGNORE INTO audit_application (application_id, seq)
  SELECT json_extract(change, '$.application'), seq FROM audit_log
  WHERE json_type(change, '$.application') = 'integer';
INSERT OR IGNORE INTO audit_application (application_id, seq)
  SELECT j.value, a.seq FROM audit_log a, json_each(a.change, '$.applications') j
  WHERE json_type(a.change, '$.applications') = 'array' AND j.type = 'integer';
CREATE TRIGGER audit_application_index AFTER INSERT ON audit_log BEGIN
  INSERT OR IGNORE INTO audit_application (application_id, seq)
    SELECT json_extract(NEW.change, '$.application'), NEW.seq
    WHERE json_type(NEW.change, '$.application') = 'integer';
  INSERT OR IGNORE INTO audit_application (application_id, seq)
    SELECT j.value, NEW.seq FROM json_each(NEW.change, '$.applications') j
    WHERE json_type(NEW.change, '$.applications') = 'array' AND j.type = 'integer';
END;
)SQL";
constexpr const char* kAuditByApplicationPostgres = R"SQL(
CREATE FUNCTION bursar_audit_applications(change TEXT) RETURNS SETOF BIGINT LANGUAGE sql IMMUTABLE AS $$
  SELECT (change::jsonb ->> 'application')::bigint
    WHERE jsonb_typeof(change::jsonb -> 'application') = 'number'
      AND (change::jsonb ->> 'application') ~ '^[0-9]{1,18}$'
  UNION
  SELECT e::bigint FROM jsonb_array_elements_text(
      CASE WHEN jsonb_typeof(change::jsonb -> 'applications') = 'array'
           THEN change::jsonb -> 'applications' ELSE '[]'::jsonb END) e
    WHERE e ~ '^[0-9]{1,18}$'
$$;
INSERT INTO audit_application (application_id, seq)
  SELECT DISTINCT x, a.seq FROM audit_log a, bursar_audit_applications(a.change) x;
CREATE FUNCTION audit_application_index() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN
    INSERT INTO audit_application (application_id, seq)
      SELECT x, NEW.seq FROM bursar_audit_applications(NEW.change) x ON CONFLICT DO NOTHING;
    RETURN NULL;
  END $$;
CREATE TRIGGER audit_application_index AFTER INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_application_index();
)SQL";

// The budget of a year by measure (issue 17), kept as running totals like
// year_committed (migration 11): the awards in force at their net amounts,
// what was paid net of recoveries, and the number of payments, per year and
// measure, so that the officer's dashboard does not read every application
// of the year. Triggers on decision, recovery and payment keep it in the
// writing transaction; the migration fills it from the rows already stored.
constexpr const char* kMeasureCommitted = R"SQL(
CREATE TABLE measure_committed (
  year INTEGER NOT NULL,
  measure TEXT NOT NULL,
  committed_fen BIGINT NOT NULL,
  paid_fen BIGINT NOT NULL,
  payments BIGINT NOT NULL CHECK (payments >= 0),
  PRIMARY KEY (year, measure)
);
INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
  SELECT year, measure, SUM(committed_fen), SUM(paid_fen), SUM(payments) FROM (
    SELECT a.year AS year, a.measure AS measure, d.total_fen AS committed_fen, 0 AS paid_fen, 0 AS payments
      FROM decision d JOIN application a ON a.id = d.application_id WHERE d.in_force = 1
    UNION ALL
    SELECT a.year, a.measure, -r.amount_fen, -r.amount_fen, 0 FROM recovery r JOIN application a ON a.id = r.application_id
    UNION ALL
    SELECT a.year, a.measure, 0, p.amount_fen, 1 FROM payment p JOIN application a ON a.id = p.application_id
  ) AS t GROUP BY year, measure;
)SQL";
constexpr const char* kMeasureCommittedSqlite = R"SQL(
CREATE TRIGGER decision_insert_measure AFTER INSERT ON decision WHEN NEW.in_force = 1
  BEGIN
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, NEW.total_fen, 0, 0 FROM application WHERE id = NEW.application_id
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER decision_update_measure AFTER UPDATE ON decision
  WHEN NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen
  BEGIN
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0, 0 FROM application
      WHERE id = NEW.application_id
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER recovery_insert_measure AFTER INSERT ON recovery
  BEGIN
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, -NEW.amount_fen, -NEW.amount_fen, 0 FROM application WHERE id = NEW.application_id
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen,
                                                paid_fen = paid_fen + excluded.paid_fen;
  END;
CREATE TRIGGER payment_insert_measure AFTER INSERT ON payment
  BEGIN
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, 0, NEW.amount_fen, 1 FROM application WHERE id = NEW.application_id
      ON CONFLICT (year, measure) DO UPDATE SET paid_fen = paid_fen + excluded.paid_fen,
                                                payments = payments + 1;
  END;
)SQL";
constexpr const char* kMeasureCommittedPostgres = R"SQL(
CREATE FUNCTION measure_committed_add(app BIGINT, committed BIGINT, paid BIGINT, n BIGINT) RETURNS void LANGUAGE sql AS
  $$ INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
       SELECT year, measure, committed, paid, n FROM application WHERE id = app
     ON CONFLICT (year, measure) DO UPDATE
       SET committed_fen = measure_committed.committed_fen + excluded.committed_fen,
           paid_fen = measure_committed.paid_fen + excluded.paid_fen,
           payments = measure_committed.payments + excluded.payments $$;
CREATE FUNCTION decision_measure() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN
       IF TG_OP = 'INSERT' THEN
         IF NEW.in_force = 1 THEN PERFORM measure_committed_add(NEW.application_id, NEW.total_fen, 0, 0); END IF;
       ELSIF NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen THEN
         PERFORM measure_committed_add(NEW.application_id, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0, 0);
       END IF;
       RETURN NULL;
     END $$;
CREATE TRIGGER decision_measure AFTER INSERT OR UPDATE ON decision
  FOR EACH ROW EXECUTE FUNCTION decision_measure();
CREATE FUNCTION recovery_measure() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM measure_committed_add(NEW.application_id, -NEW.amount_fen, -NEW.amount_fen, 0); RETURN NULL; END $$;
CREATE TRIGGER recovery_measure AFTER INSERT ON recovery
  FOR EACH ROW EXECUTE FUNCTION recovery_measure();
CREATE FUNCTION payment_measure() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM measure_committed_add(NEW.application_id, 0, NEW.amount_fen, 1); RETURN NULL; END $$;
CREATE TRIGGER payment_measure AFTER INSERT ON payment
  FOR EACH ROW EXECUTE FUNCTION payment_measure();
)SQL";

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::string::npos; pos += to.size())
    s->replace(pos, from.size(), to);
}

}  // namespace

// Verified evidence by its verifier (separation of duties, S8): a decision
// asks whether its officer verified any declared row of the enterprise. The
// evidence indexes lead with the credit code, so the question read every row
// of the enterprise in every evidence table (8% of a decision run on SQLite).
// Only verified declared rows are indexed here: a handful beside millions.
constexpr const char* kEvidenceByVerifier = R"SQL(
CREATE INDEX listing_by_verifier ON listing (verified_by, credit_code) WHERE verified_by IS NOT NULL;
CREATE INDEX certificate_by_verifier ON certificate (verified_by, credit_code) WHERE verified_by IS NOT NULL;
CREATE INDEX fs_inclusion_by_verifier ON fs_inclusion (verified_by, credit_code) WHERE verified_by IS NOT NULL;
CREATE INDEX trade_by_verifier ON trade (verified_by, credit_code) WHERE verified_by IS NOT NULL;
CREATE INDEX filing_by_verifier ON filing (verified_by, credit_code) WHERE verified_by IS NOT NULL;
CREATE INDEX export_clearance_by_verifier ON export_clearance (verified_by, credit_code)
  WHERE verified_by IS NOT NULL;
CREATE INDEX scenario_project_by_verifier ON scenario_project (verified_by, credit_code)
  WHERE verified_by IS NOT NULL;
CREATE INDEX platform_operation_by_verifier ON platform_operation (verified_by, credit_code)
  WHERE verified_by IS NOT NULL;
)SQL";

namespace {

// A second programme in the same store (issue 16). The store runs the
// programme of the policy it is served with; a district runs others beside it
// (`serve --also-policy`), each an application names by its policy's id.
// `policy` is '' for the programme's own policy, which is all an application
// was before this migration. Two policies may number their measures alike,
// so the policy is in the natural key. The year's budget and its running
// totals (D-G6) are the programme's own: another programme's awards are not
// counted in them, so the totals are filled again here, and the triggers that
// keep them only count applications with policy ''.
//
// figure: what a policy other than the programme's reads as a case's facts
// and applicant fields (its `fact` and `applicant` declarations), one value
// by name, enterprise, policy and year, with its provenance as every evidence
// row has it (D-G10): declared by the enterprise and counted once an officer
// verified it, or official. The value is stored as the case's JSON text of it,
// read as the policy declares it when it is imported (Engine::FigureValue).
//
// SQLite cannot change a table's UNIQUE constraint: the application table is
// copied (foreign keys are off during a migration: Store::Migrate), and its
// indexes and triggers made again. The rename is the legacy one, which leaves
// the other tables' triggers and references naming `application` as they are.
constexpr const char* kProgrammes = R"SQL(
CREATE TABLE figure (
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  policy TEXT NOT NULL,
  year INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT 'official' CHECK (source IN ('official', 'declared')),
  supplied_by TEXT NOT NULL DEFAULT '',
  verified_by TEXT,
  verified_on {{DATE}},
  PRIMARY KEY (credit_code, policy, year, name)
);
CREATE INDEX figure_by_verifier ON figure (verified_by, credit_code) WHERE verified_by IS NOT NULL;
)SQL";
constexpr const char* kProgrammesSqlite = R"SQL(
CREATE TABLE application_28 (
  id INTEGER PRIMARY KEY,
  credit_code TEXT NOT NULL REFERENCES enterprise (credit_code),
  year INTEGER NOT NULL,
  measure TEXT NOT NULL,
  item TEXT NOT NULL,
  project TEXT NOT NULL,
  claim TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'in_review', 'decided', 'notice',
                                       'final', 'paid', 'recovered')),
  notice_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  submitted_at TEXT,
  notice_published_on TEXT,
  finalised_on TEXT,
  policy TEXT NOT NULL DEFAULT '',
  UNIQUE (credit_code, year, policy, measure, item, project)
);
INSERT INTO application_28 (id, credit_code, year, measure, item, project, claim, state, notice_until, created_at,
                            updated_at, version, submitted_at, notice_published_on, finalised_on)
  SELECT id, credit_code, year, measure, item, project, claim, state, notice_until, created_at,
         updated_at, version, submitted_at, notice_published_on, finalised_on FROM application;
DROP TABLE application;
PRAGMA legacy_alter_table = ON;
ALTER TABLE application_28 RENAME TO application;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX application_by_year ON application (year, state);
CREATE INDEX application_by_updated ON application (updated_at, id);
CREATE INDEX application_by_created ON application (created_at, id);
CREATE INDEX application_by_year_id ON application (year, id);
CREATE INDEX application_by_measure ON application (measure, id);
CREATE INDEX application_by_state ON application (state, id);
CREATE TRIGGER application_version AFTER UPDATE ON application WHEN NEW.version = OLD.version
  BEGIN UPDATE application SET version = OLD.version + 1 WHERE id = NEW.id; END;
DROP TRIGGER decision_insert_committed;
DROP TRIGGER decision_update_committed;
DROP TRIGGER recovery_insert_committed;
DROP TRIGGER payment_insert_committed;
DROP TRIGGER decision_insert_measure;
DROP TRIGGER decision_update_measure;
DROP TRIGGER recovery_insert_measure;
DROP TRIGGER payment_insert_measure;
CREATE TRIGGER decision_insert_committed AFTER INSERT ON decision WHEN NEW.in_force = 1
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, NEW.total_fen, 0 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, NEW.total_fen, 0, 0 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER decision_update_committed AFTER UPDATE ON decision
  WHEN NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0 FROM application
      WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0, 0 FROM application
      WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER recovery_insert_committed AFTER INSERT ON recovery
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, -NEW.amount_fen, 0 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, -NEW.amount_fen, -NEW.amount_fen, 0 FROM application
      WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen,
                                                paid_fen = paid_fen + excluded.paid_fen;
  END;
CREATE TRIGGER payment_insert_committed AFTER INSERT ON payment
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, 0, 1 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET payments = payments + 1;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, 0, NEW.amount_fen, 1 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET paid_fen = paid_fen + excluded.paid_fen,
                                                payments = payments + 1;
  END;
)SQL";
constexpr const char* kProgrammesPostgres = R"SQL(
ALTER TABLE application ADD COLUMN policy TEXT NOT NULL DEFAULT '';
ALTER TABLE application DROP CONSTRAINT application_credit_code_year_measure_item_project_key;
ALTER TABLE application ADD CONSTRAINT application_credit_code_year_policy_measure_item_project_key
  UNIQUE (credit_code, year, policy, measure, item, project);
CREATE OR REPLACE FUNCTION year_committed_add(app BIGINT, committed BIGINT, paid BIGINT) RETURNS void LANGUAGE sql AS
  $$ INSERT INTO year_committed (year, committed_fen, payments)
       SELECT year, committed, paid FROM application WHERE id = app AND policy = ''
     ON CONFLICT (year) DO UPDATE SET committed_fen = year_committed.committed_fen + excluded.committed_fen,
                                      payments = year_committed.payments + excluded.payments $$;
CREATE OR REPLACE FUNCTION measure_committed_add(app BIGINT, committed BIGINT, paid BIGINT, n BIGINT)
  RETURNS void LANGUAGE sql AS
  $$ INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
       SELECT year, measure, committed, paid, n FROM application WHERE id = app AND policy = ''
     ON CONFLICT (year, measure) DO UPDATE
       SET committed_fen = measure_committed.committed_fen + excluded.committed_fen,
           paid_fen = measure_committed.paid_fen + excluded.paid_fen,
           payments = measure_committed.payments + excluded.payments $$;
)SQL";
// The running totals of the programme's own applications, filled again (the
// fill statements `audit verify` recomputes them with: audit_derived.cc).
constexpr const char* kProgrammesTotals = R"SQL(
DELETE FROM year_committed;
INSERT INTO year_committed (year, committed_fen, payments)
  SELECT year, SUM(committed_fen), SUM(payments) FROM (
    SELECT a.year AS year, d.total_fen AS committed_fen, 0 AS payments
      FROM decision d JOIN application a ON a.id = d.application_id WHERE d.in_force = 1 AND a.policy = ''
    UNION ALL
    SELECT a.year, -r.amount_fen, 0 FROM recovery r JOIN application a ON a.id = r.application_id
      WHERE a.policy = ''
    UNION ALL
    SELECT a.year, 0, 1 FROM payment p JOIN application a ON a.id = p.application_id WHERE a.policy = ''
  ) AS t GROUP BY year;
DELETE FROM measure_committed;
INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
  SELECT year, measure, SUM(committed_fen), SUM(paid_fen), SUM(payments) FROM (
    SELECT a.year AS year, a.measure AS measure, d.total_fen AS committed_fen, 0 AS paid_fen, 0 AS payments
      FROM decision d JOIN application a ON a.id = d.application_id WHERE d.in_force = 1 AND a.policy = ''
    UNION ALL
    SELECT a.year, a.measure, -r.amount_fen, -r.amount_fen, 0 FROM recovery r
      JOIN application a ON a.id = r.application_id WHERE a.policy = ''
    UNION ALL
    SELECT a.year, a.measure, 0, p.amount_fen, 1 FROM payment p
      JOIN application a ON a.id = p.application_id WHERE a.policy = ''
  ) AS t GROUP BY year, measure;
)SQL";
// The budget of each programme run beside the store's own (issue 16): its
// year's amount (D-G6's reading in that policy, such as digital-health's
// D-7b), sealed like `budget`, and its running totals by policy, year and
// measure, kept by the same triggers as the own programme's (the own
// programme's applications go to year_committed and measure_committed, the
// others' here).
constexpr const char* kProgrammeBudgets = R"SQL(
CREATE TABLE programme_budget (
  policy TEXT NOT NULL CHECK (policy <> ''),
  year INTEGER NOT NULL,
  amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
  PRIMARY KEY (policy, year)
);
CREATE TABLE programme_committed (
  policy TEXT NOT NULL,
  year INTEGER NOT NULL,
  measure TEXT NOT NULL,
  committed_fen BIGINT NOT NULL,
  paid_fen BIGINT NOT NULL,
  payments BIGINT NOT NULL CHECK (payments >= 0),
  PRIMARY KEY (policy, year, measure)
);
INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
  SELECT policy, year, measure, SUM(committed_fen), SUM(paid_fen), SUM(payments) FROM (
    SELECT a.policy AS policy, a.year AS year, a.measure AS measure, d.total_fen AS committed_fen, 0 AS paid_fen,
           0 AS payments
      FROM decision d JOIN application a ON a.id = d.application_id WHERE d.in_force = 1 AND a.policy <> ''
    UNION ALL
    SELECT a.policy, a.year, a.measure, -r.amount_fen, -r.amount_fen, 0 FROM recovery r
      JOIN application a ON a.id = r.application_id WHERE a.policy <> ''
    UNION ALL
    SELECT a.policy, a.year, a.measure, 0, p.amount_fen, 1 FROM payment p
      JOIN application a ON a.id = p.application_id WHERE a.policy <> ''
  ) AS t GROUP BY policy, year, measure;
)SQL";
constexpr const char* kProgrammeBudgetsSqlite = R"SQL(
DROP TRIGGER decision_insert_committed;
DROP TRIGGER decision_update_committed;
DROP TRIGGER recovery_insert_committed;
DROP TRIGGER payment_insert_committed;
CREATE TRIGGER decision_insert_committed AFTER INSERT ON decision WHEN NEW.in_force = 1
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, NEW.total_fen, 0 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, NEW.total_fen, 0, 0 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
      SELECT policy, year, measure, NEW.total_fen, 0, 0 FROM application WHERE id = NEW.application_id AND policy <> ''
      ON CONFLICT (policy, year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER decision_update_committed AFTER UPDATE ON decision
  WHEN NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0 FROM application
      WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0, 0 FROM application
      WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
      SELECT policy, year, measure, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0, 0
      FROM application WHERE id = NEW.application_id AND policy <> ''
      ON CONFLICT (policy, year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
  END;
CREATE TRIGGER recovery_insert_committed AFTER INSERT ON recovery
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, -NEW.amount_fen, 0 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, -NEW.amount_fen, -NEW.amount_fen, 0 FROM application
      WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen,
                                                paid_fen = paid_fen + excluded.paid_fen;
    INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
      SELECT policy, year, measure, -NEW.amount_fen, -NEW.amount_fen, 0 FROM application
      WHERE id = NEW.application_id AND policy <> ''
      ON CONFLICT (policy, year, measure) DO UPDATE SET committed_fen = committed_fen + excluded.committed_fen,
                                                        paid_fen = paid_fen + excluded.paid_fen;
  END;
CREATE TRIGGER payment_insert_committed AFTER INSERT ON payment
  BEGIN
    INSERT INTO year_committed (year, committed_fen, payments)
      SELECT year, 0, 1 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year) DO UPDATE SET payments = payments + 1;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments)
      SELECT year, measure, 0, NEW.amount_fen, 1 FROM application WHERE id = NEW.application_id AND policy = ''
      ON CONFLICT (year, measure) DO UPDATE SET paid_fen = paid_fen + excluded.paid_fen,
                                                payments = payments + 1;
    INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
      SELECT policy, year, measure, 0, NEW.amount_fen, 1 FROM application
      WHERE id = NEW.application_id AND policy <> ''
      ON CONFLICT (policy, year, measure) DO UPDATE SET paid_fen = paid_fen + excluded.paid_fen,
                                                        payments = payments + 1;
  END;
)SQL";
// PostgreSQL: the two functions the running totals' triggers call become
// PL/pgSQL, which keeps its statements' plans for the session (a LANGUAGE sql
// function's are made again at every call), and read the application once to
// choose its programme's totals.
constexpr const char* kProgrammeBudgetsPostgres = R"SQL(
CREATE OR REPLACE FUNCTION year_committed_add(app BIGINT, committed BIGINT, paid BIGINT) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  y INTEGER;
BEGIN
  SELECT year INTO y FROM application WHERE id = app AND policy = '';
  IF FOUND THEN
    INSERT INTO year_committed (year, committed_fen, payments) VALUES (y, committed, paid)
      ON CONFLICT (year) DO UPDATE SET committed_fen = year_committed.committed_fen + excluded.committed_fen,
                                       payments = year_committed.payments + excluded.payments;
  END IF;
END $$;
CREATE OR REPLACE FUNCTION measure_committed_add(app BIGINT, committed BIGINT, paid BIGINT, n BIGINT)
  RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  p TEXT;
  y INTEGER;
  m TEXT;
BEGIN
  SELECT policy, year, measure INTO p, y, m FROM application WHERE id = app;
  IF NOT FOUND THEN
    RETURN;
  ELSIF p = '' THEN
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments) VALUES (y, m, committed, paid, n)
      ON CONFLICT (year, measure) DO UPDATE
        SET committed_fen = measure_committed.committed_fen + excluded.committed_fen,
            paid_fen = measure_committed.paid_fen + excluded.paid_fen,
            payments = measure_committed.payments + excluded.payments;
  ELSE
    INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
      VALUES (p, y, m, committed, paid, n)
      ON CONFLICT (policy, year, measure) DO UPDATE
        SET committed_fen = programme_committed.committed_fen + excluded.committed_fen,
            paid_fen = programme_committed.paid_fen + excluded.paid_fen,
            payments = programme_committed.payments + excluded.payments;
  END IF;
END $$;
CREATE TRIGGER bursar_seal AFTER INSERT OR UPDATE OR DELETE ON programme_budget
  FOR EACH ROW EXECUTE FUNCTION bursar_capture('policy,year', '', '');
)SQL";

// The budget's pro-rata read (D-G6) scales each line of an award on its own;
// it read and parsed every decision's output for that. Each decision now
// keeps its application's own lines beside it, in the sealed row. Decisions
// made before keep NULL and are read from their output.
constexpr const char* kDecisionLines = R"SQL(
ALTER TABLE decision ADD COLUMN lines_fen TEXT;
)SQL";

// The budget's pro-rata read (D-G6, when the committed awards pass the
// budget) reads every decision in force of the year for its lines. On SQLite
// lines_fen, added last, comes after the case and output documents, so each
// read walked a decision's overflow pages: the list's covering index of
// decisions by application now holds the lines too (it replaces the one of
// migration 8, so a decision writes no more index entries than before).
// PostgreSQL reads a column of a row without walking those before it.
constexpr const char* kLinesIndexSqlite = R"SQL(
DROP INDEX decision_by_application_in_force;
CREATE INDEX decision_by_application_in_force ON decision (application_id, in_force, total_fen, lines_fen);
)SQL";

// The dashboard's count of a state pages the year's applications of that
// state by id (`?state=decided&year=2025&limit=1`). PostgreSQL's index on
// (year, state) orders a state's rows by their place in the table, not by
// id, so it walked the year by id and read each row for its state: 110 ms
// at 100,000 applications when the first half held another state. SQLite's
// index ends with the rowid, which is the id: it had the order already.
constexpr const char* kYearStateIdPostgres = R"SQL(
CREATE INDEX application_by_year_state ON application (year, state, id);
DROP INDEX application_by_year;
)SQL";

// A decision wrote its application's row twice on PostgreSQL: the
// decision's trigger bumped the version, then the change of state wrote the
// row again (each write with its seal image). The decision now moves the
// state first, bumping the version by the two it always moved, and names the
// application in a transaction-local setting that the trigger reads to skip
// its own bump; the setting is cleared after the decision's INSERT. The
// version is the optimistic-concurrency tag (If-Match), not an audit record:
// the seals are unchanged. SQLite's triggers are untouched.
constexpr const char* kOneVersionBumpPostgres = R"SQL(
CREATE OR REPLACE FUNCTION application_child_version() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN
    IF current_setting('bursar.version_bumped', true) = NEW.application_id::text THEN RETURN NULL; END IF;
    UPDATE application SET version = version + 1 WHERE id = NEW.application_id;
    RETURN NULL;
  END $$;
)SQL";

// PostgreSQL's row capture (migration 15) called two SQL functions for each
// written row, the key and the image, made the row's JSON once per call, and
// set up each function's plan again in every transaction: about 0.15 ms a
// row, two rows a decision. The same key and the same image are now made in
// one pass of the trigger itself, the row's JSON made once. The images are
// byte for byte those of before (the chain's images and `audit verify`'s,
// which still reads through bursar_row_image, are compared by every seal
// test): the key joins the key columns' values with '/', skipping none
// (they are never empty); the skipped columns are left out; each digested
// column present is replaced by the hex SHA-256 of its text, or null.
constexpr const char* kCaptureInOnePassPostgres = R"SQL(
CREATE OR REPLACE FUNCTION bursar_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r jsonb;
  image jsonb;
  k text;
  old_key text;
  new_key text;
BEGIN
  IF current_setting('bursar.capture', true) IS DISTINCT FROM 'on' THEN RETURN NULL; END IF;
  IF TG_OP <> 'INSERT' THEN
    r := to_jsonb(OLD);
    FOREACH k IN ARRAY string_to_array(TG_ARGV[0], ',') LOOP old_key := concat_ws('/', old_key, r ->> k); END LOOP;
  END IF;
  IF TG_OP = 'DELETE' THEN
    INSERT INTO pg_temp.bursar_capture (tbl, row_key, image) VALUES (TG_TABLE_NAME, old_key, NULL);
    RETURN NULL;
  END IF;
  r := to_jsonb(NEW);
  FOREACH k IN ARRAY string_to_array(TG_ARGV[0], ',') LOOP new_key := concat_ws('/', new_key, r ->> k); END LOOP;
  IF old_key IS NOT NULL AND old_key <> new_key THEN
    INSERT INTO pg_temp.bursar_capture (tbl, row_key, image) VALUES (TG_TABLE_NAME, old_key, NULL);
  END IF;
  image := r - string_to_array(TG_ARGV[1], ',');
  FOREACH k IN ARRAY string_to_array(TG_ARGV[2], ',') LOOP
    IF r ? k THEN
      image := image || jsonb_build_object(k, CASE WHEN r ->> k IS NULL THEN 'null'::jsonb
        ELSE to_jsonb(encode(sha256(convert_to(r ->> k, 'UTF8')), 'hex')) END);
    END IF;
  END LOOP;
  INSERT INTO pg_temp.bursar_capture (tbl, row_key, image) VALUES (TG_TABLE_NAME, new_key, image::text);
  RETURN NULL;
END $$;
)SQL";

// PostgreSQL's running totals and audit index, per written row: a decision
// fired two triggers for its totals (the year's, then the measure's or
// programme's), each reading the application again through a function
// call, and each audit entry read its change through a LANGUAGE sql
// function that parsed it up to five times. One function now reads the
// application once and adds to every total a row of it moves (the year's
// counts only the own programme, as before); one trigger a table calls it.
// The audit index reads the change once. The totals are the same (every
// store test compares them with their recomputation; `audit verify` too).
constexpr const char* kTotalsInOneTriggerPostgres = R"SQL(
CREATE FUNCTION committed_add(app BIGINT, committed BIGINT, paid BIGINT, n BIGINT) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  p TEXT;
  y INTEGER;
  m TEXT;
BEGIN
  SELECT policy, year, measure INTO p, y, m FROM application WHERE id = app;
  IF NOT FOUND THEN
    RETURN;
  ELSIF p = '' THEN
    INSERT INTO year_committed (year, committed_fen, payments) VALUES (y, committed, n)
      ON CONFLICT (year) DO UPDATE SET committed_fen = year_committed.committed_fen + excluded.committed_fen,
                                       payments = year_committed.payments + excluded.payments;
    INSERT INTO measure_committed (year, measure, committed_fen, paid_fen, payments) VALUES (y, m, committed, paid, n)
      ON CONFLICT (year, measure) DO UPDATE
        SET committed_fen = measure_committed.committed_fen + excluded.committed_fen,
            paid_fen = measure_committed.paid_fen + excluded.paid_fen,
            payments = measure_committed.payments + excluded.payments;
  ELSE
    INSERT INTO programme_committed (policy, year, measure, committed_fen, paid_fen, payments)
      VALUES (p, y, m, committed, paid, n)
      ON CONFLICT (policy, year, measure) DO UPDATE
        SET committed_fen = programme_committed.committed_fen + excluded.committed_fen,
            paid_fen = programme_committed.paid_fen + excluded.paid_fen,
            payments = programme_committed.payments + excluded.payments;
  END IF;
END $$;
DROP TRIGGER decision_committed ON decision;
DROP TRIGGER decision_measure ON decision;
DROP TRIGGER recovery_committed ON recovery;
DROP TRIGGER recovery_measure ON recovery;
DROP TRIGGER payment_committed ON payment;
DROP TRIGGER payment_measure ON payment;
DROP FUNCTION decision_committed(), decision_measure(), recovery_committed(), recovery_measure(),
  payment_committed(), payment_measure(), year_committed_add(BIGINT, BIGINT, BIGINT),
  measure_committed_add(BIGINT, BIGINT, BIGINT, BIGINT);
CREATE FUNCTION decision_totals() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN
       IF TG_OP = 'INSERT' THEN
         IF NEW.in_force = 1 THEN PERFORM committed_add(NEW.application_id, NEW.total_fen, 0, 0); END IF;
       ELSIF NEW.in_force * NEW.total_fen <> OLD.in_force * OLD.total_fen THEN
         PERFORM committed_add(NEW.application_id, NEW.in_force * NEW.total_fen - OLD.in_force * OLD.total_fen, 0, 0);
       END IF;
       RETURN NULL;
     END $$;
CREATE TRIGGER decision_totals AFTER INSERT OR UPDATE ON decision
  FOR EACH ROW EXECUTE FUNCTION decision_totals();
CREATE FUNCTION recovery_totals() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM committed_add(NEW.application_id, -NEW.amount_fen, -NEW.amount_fen, 0); RETURN NULL; END $$;
CREATE TRIGGER recovery_totals AFTER INSERT ON recovery
  FOR EACH ROW EXECUTE FUNCTION recovery_totals();
CREATE FUNCTION payment_totals() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM committed_add(NEW.application_id, 0, NEW.amount_fen, 1); RETURN NULL; END $$;
CREATE TRIGGER payment_totals AFTER INSERT ON payment
  FOR EACH ROW EXECUTE FUNCTION payment_totals();
CREATE OR REPLACE FUNCTION audit_application_index() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  c jsonb := NEW.change::jsonb;
BEGIN
  IF jsonb_typeof(c -> 'application') = 'number' AND (c ->> 'application') ~ '^[0-9]{1,18}$' THEN
    INSERT INTO audit_application (application_id, seq) VALUES ((c ->> 'application')::bigint, NEW.seq)
      ON CONFLICT DO NOTHING;
  END IF;
  IF jsonb_typeof(c -> 'applications') = 'array' THEN
    INSERT INTO audit_application (application_id, seq)
      SELECT DISTINCT e::bigint, NEW.seq FROM jsonb_array_elements_text(c -> 'applications') e
      WHERE e ~ '^[0-9]{1,18}$'
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
)SQL";

// Each dialect's part, then the totals (the SQLite part makes the column).
const char* ProgrammesSql(Dialect dialect) {
  static const std::string sqlite = std::string(kProgrammesSqlite) + kProgrammesTotals;
  static const std::string postgres = std::string(kProgrammesPostgres) + kProgrammesTotals;
  return (dialect == Dialect::kSqlite ? sqlite : postgres).c_str();
}

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "audit log, enterprises and evidence", kEvidence, kEvidenceSqlite, kEvidencePostgres},
      {2, "applications, reviews, decisions, objections, payments, budget", kApplications, "", ""},
      {3, "accounts, sessions, API tokens, login attempts", kAccounts, "", ""},
      {4, "application versions for If-Match", kVersions, kVersionsSqlite, kVersionsPostgres},
      {5, "platform operation evidence (measure 02)", kPlatforms, "", ""},
      {6, "idempotency keys of HTTP writes", kIdempotency, "", ""},
      {7, "who recorded each recovery", kRecoveredBy, "", ""},
      {8, "indexes for list sorts, counts and facts at scale", kReadIndexes, "", ""},
      {9, "when each account last signed in", kLastLogin, "", ""},
      {10, "indexes for the application list's year, measure and state sorts", kSortIndexes, "", ""},
      {11, "submission order, committed totals per year, recoveries by application", kLedger, kLedgerSqlite,
       kLedgerPostgres},
      {12, "the claiming request's token on idempotency keys", kIdempotencyToken, "", ""},
      {13, "official documents: numbers by kind and year, the office's settings", kDocuments, "", ""},
      {14, "procedural dates by the server's calendar (D-G9)", kProceduralDates, "", ""},
      {15, "row seals: the audit chain's image of every row of the state tables", kSeals, kSealsSqlite,
       kSealsPostgres},
      {16, "separation of duties: finance and data-bureau roles, payment orders approved by a second account",
       kDuties, kDutiesSqlite, kDutiesPostgres},
      {17, "evidence provenance: official or declared, who supplied each row, who verified it (D-G10)",
       ProvenanceSql(), "", ""},
      {18, "two admins: privileged role grants and password resets wait for a second admin", kAccountChanges, "",
       kAccountChangesPostgres},
      {19, "master data by two accounts: an upload's change of an enterprise waits for a second account",
       kMasterChanges, "", kMasterChangesPostgres},
      {20, "evidence digests: the audit chain's digest of each enterprise's rows of each evidence table",
       kEvidenceDigests, "", kEvidenceDigestsPostgres},
      {21, "new enterprises by two accounts: an upload's enterprise not yet stored waits for a second account",
       "", kNewEnterprisesSqlite, kNewEnterprisesPostgres},
      {22, "listing and certificate counts and trade sums from their indexes alone", kCountingIndexes, "", ""},
      {23, "reviewers' written opinions (评审意见)", kReviewOpinion, "", ""},
      {24, "attachments: the files of an application, sealed with their content's digest", kAttachments, "",
       kAttachmentsPostgres},
      {25, "the audit log by application: an application's history read from an index", kAuditByApplication,
       kAuditByApplicationSqlite, kAuditByApplicationPostgres},
      {26, "the budget of a year by measure as running totals", kMeasureCommitted, kMeasureCommittedSqlite,
       kMeasureCommittedPostgres},
      {27, "verified evidence by its verifier: the separation-of-duties check of a decision from an index",
       kEvidenceByVerifier, "", ""},
      {28, "programmes: applications name their policy; figures of another programme's facts", kProgrammes,
       ProgrammesSql(Dialect::kSqlite), ProgrammesSql(Dialect::kPostgres)},
      {29, "programme budgets: the budget and running totals of each programme run beside the own",
       kProgrammeBudgets, kProgrammeBudgetsSqlite, kProgrammeBudgetsPostgres},
      {30, "each decision's own award lines in its row, for the budget's pro-rata read", kDecisionLines, "", ""},
      {31, "a decision writes its application's row once: its version moved by two in one write", "", "",
       kOneVersionBumpPostgres},
      {32, "row seals: each written row's key and image made in one pass", "", "", kCaptureInOnePassPostgres},
      {33, "running totals by one trigger a table, the application read once; the audit index reads a change once",
       "", "", kTotalsInOneTriggerPostgres},
      {34, "the budget's pro-rata read takes each decision's lines from an index", "", kLinesIndexSqlite, ""},
      {35, "a year's applications of a state in id order from an index", "", "", kYearStateIdPostgres},
  };
  return migrations;
}

std::string MigrationSql(const Migration& migration, Dialect dialect) {
  std::string sql = migration.sql;
  const bool pg = dialect == Dialect::kPostgres;
  ReplaceAll(&sql, "{{ID}}", pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY");
  ReplaceAll(&sql, "{{DATE}}", pg ? "DATE" : "TEXT");
  ReplaceAll(&sql, "{{WITHOUT_ROWID}}", pg ? "" : " WITHOUT ROWID");
  sql += pg ? migration.postgres_sql : migration.sqlite_sql;
  return sql;
}

std::string MigrationChecksum(const Migration& migration) {
  return Sha256Hex(std::string(migration.name) + "\n" + migration.sql + "\n" + migration.sqlite_sql + "\n" +
                   migration.postgres_sql);
}

}  // namespace bursar::store
