// Fuzz target: evidence import (src/store/evidence.cc): CSV splitting, the
// header check, field validation (credit codes, dates, money, counts), JSON
// Lines objects, natural-key conflicts, and the audit entry of the import;
// on a real SQLite store.
//
// Input: the first byte picks the evidence kind (low three bits) and the
// format (bit 3: CSV when clear, JSON Lines when set); the rest is the file.
// Each input is imported into a fresh copy of a store that holds a few
// enterprises, so every input is judged alone and a crash reproduces.
// Seeds: the evidence files of the walkthrough, tests and docs, in both formats.
//
// Invariants besides "no crash, no sanitizer report":
//  - the audit chain verifies after the import;
//  - importing the same file again changes nothing (no insert, no update, no
//    new audit entry), as evidence.h promises;
//  - a strict import that rejects a row commits nothing.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "fuzz/fuzz_support.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using bursar::store::Store;

// A migrated store with the enterprises of fuzz/evidence-enterprises.csv
// (those the seeds' rows belong to), made once; each input gets a copy.
const fs::path& TemplateStore() {
  static const fs::path path = [] {
    fs::path db = bursar_fuzz::ScratchDir() / "template.db";
    fs::remove(db);
    auto store = Store::Open(db.string(), bursar_fuzz::CreateOptions());
    if (!store.ok()) bursar_fuzz::Broken("cannot create the template store: " + store.status().message());
    auto migrated = (*store)->Migrate("fuzz");
    if (!migrated.ok()) bursar_fuzz::Broken("cannot migrate: " + migrated.status().message());
    const std::string csv = bursar_fuzz::SourceDir() + "/fuzz/evidence-enterprises.csv";
    auto imported = (*store)->Import(bursar::store::EvidenceKind::kEnterprises, csv, {});
    if (!imported.ok() || imported->inserted == 0 || !imported->rejected.empty()) {
      bursar_fuzz::Broken("cannot seed the template store from " + csv);
    }
    return db;
  }();
  return path;
}

int64_t AuditEntries(Store& store) {
  auto verdict = store.VerifyAudit();
  if (!verdict.ok()) bursar_fuzz::Broken("audit verification failed to run: " + verdict.status().message());
  if (!verdict->ok) bursar_fuzz::Broken("the audit chain does not verify: " + verdict->problem);
  return verdict->entries;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return -1;
  const auto& kinds = bursar::store::AllEvidenceKinds();
  const bursar::store::EvidenceKind kind = kinds[(data[0] & 7) % kinds.size()];
  const bool csv = (data[0] & 8) == 0;
  const fs::path file = bursar_fuzz::ScratchDir() / (csv ? "in.csv" : "in.jsonl");
  bursar_fuzz::WriteFile(file, reinterpret_cast<const char*>(data + 1), size - 1);

  const fs::path db = bursar_fuzz::ScratchDir() / "work.db";
  // Not the throwing overload: a failure here says what failed (CI once saw
  // an abort whose stack was that of an exception thrown straight from this
  // function, with its message lost).
  std::error_code copied;
  fs::copy_file(TemplateStore(), db, fs::copy_options::overwrite_existing, copied);
  if (copied) bursar_fuzz::Broken("cannot copy the template store to " + db.string() + ": " + copied.message());
  auto opened = Store::Open(db.string());
  if (!opened.ok()) bursar_fuzz::Broken("cannot open the store copy: " + opened.status().message());
  Store& store = **opened;
  const int64_t before = AuditEntries(store);

  const bool strict = (data[0] & 16) != 0;
  bursar::store::ImportOptions options;
  options.actor = "fuzz";
  options.strict = strict;
  auto first = store.Import(kind, file.string(), options);
  int64_t after = AuditEntries(store);
  if (!first.ok()) {
    if (after != before) bursar_fuzz::Broken("a refused import left an audit entry");
    if (first.status().message().empty()) bursar_fuzz::Broken("a refusal without a message");
    return 0;
  }
  for (const auto& r : first->rejected) {
    if (r.line <= 0 || r.reason.empty()) bursar_fuzz::Broken("a rejected row without its line or reason");
  }
  if (first->committed != (after == before + 1)) bursar_fuzz::Broken("committed does not match the audit log");
  if (strict && !first->rejected.empty() && first->committed) bursar_fuzz::Broken("a strict import committed rejects");

  auto second = store.Import(kind, file.string(), options);
  if (!second.ok()) bursar_fuzz::Broken("a second import of an accepted file failed: " + second.status().message());
  if (first->committed && (second->inserted != 0 || second->updated != 0 || second->committed)) {
    bursar_fuzz::Broken("importing the same file twice changed the store twice");
  }
  if (AuditEntries(store) != after && first->committed) bursar_fuzz::Broken("the second import wrote an audit entry");
  return 0;
}
