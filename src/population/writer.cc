#include "population/writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>

#include "population/format.h"

namespace bursar::population {
namespace {

// Appends a JSON string literal. Names may hold any UTF-8; only quotes,
// backslashes and control characters need escaping.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

void AppendBool(bool v, std::string* out) { out->append(v ? "true" : "false"); }

void AppendMoneyString(int64_t fen, std::string* out) {
  out->push_back('"');
  AppendMoney(fen, out);
  out->push_back('"');
}

// The claims array as compact JSON; the same text goes into JSON Lines and
// into the CSV's claims column.
void AppendClaims(const Case& c, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (const Claim& claim : c.claims) {
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"measure\":");
    AppendJsonString(claim.measure, out);
    if (!claim.item.empty()) {
      out->append(",\"item\":");
      AppendJsonString(claim.item, out);
    }
    if (!claim.project.empty()) {
      out->append(",\"project\":");
      AppendJsonString(claim.project, out);
    }
    auto money = [&](const char* key, int64_t fen) {
      if (fen == kAbsent) return;
      out->append(key);
      AppendMoneyString(fen, out);
    };
    money(",\"assessed\":", claim.assessed_fen);
    money(",\"investment\":", claim.investment_fen);
    money(",\"civil_construction\":", claim.civil_construction_fen);
    money(",\"external_support\":", claim.external_support_fen);
    out->push_back('}');
  }
  out->push_back(']');
}

// The tag names of a tag set in CASES.md order, joined by `separator`, each in
// double quotes when `quoted` (tag names need no escaping).
void AppendTags(uint32_t tags, char separator, bool quoted, std::string* out) {
  bool first = true;
  for (int i = 0; i < kTagCount; ++i) {
    if (!(tags & (1u << i))) continue;
    if (!first) out->push_back(separator);
    first = false;
    if (quoted) out->push_back('"');
    out->append(kTagNames[i]);
    if (quoted) out->push_back('"');
  }
}

// A CSV field, quoted only when it must be (RFC 4180).
void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char ch : s) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

class File {
 public:
  explicit File(std::FILE* f) : f_(f) {}
  ~File() {
    if (f_ != nullptr) std::fclose(f_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  std::FILE* get() const { return f_; }
  // Closes now, reporting a failed final flush.
  bool Close() {
    std::FILE* f = f_;
    f_ = nullptr;
    return std::fclose(f) == 0;
  }

 private:
  std::FILE* f_;
};

}  // namespace

void AppendJsonLinesHeader(const PopulationSpec& spec, std::string* out) {
  out->append("{\"");
  out->append(kHeaderKey);
  out->append("\":{\"version\":");
  AppendInt(kFormatVersion, out);
  // The seed is a string: it may exceed what a JavaScript number holds exactly.
  out->append(",\"seed\":\"");
  out->append(std::to_string(spec.seed));
  out->append("\",\"enterprises\":");
  AppendInt(spec.enterprises, out);
  out->append(",\"years\":");
  AppendInt(spec.years, out);
  out->append(",\"first_year\":");
  AppendInt(spec.first_year, out);
  out->append(",\"order\":\"year,enterprise\"}}\n");
}

void AppendJsonLine(const Case& c, std::string* out) {
  out->append("{\"year\":");
  AppendInt(c.year, out);
  out->append(",\"applicant\":{\"id\":");
  AppendJsonString(c.id, out);
  out->append(",\"name\":");
  AppendJsonString(c.name, out);
  out->append(",\"registered_in_chaoyang\":");
  AppendBool(c.registered_in_chaoyang, out);
  out->append(",\"taxed_in_chaoyang\":");
  AppendBool(c.taxed_in_chaoyang, out);
  out->append(",\"independent_legal_person\":");
  AppendBool(c.independent_legal_person, out);
  out->append(",\"serious_dishonesty_record\":");
  AppendBool(c.serious_dishonesty_record, out);
  out->append(",\"tags\":[");
  AppendTags(c.tags, ',', /*quoted=*/true, out);
  out->append("]},\"facts\":{\"listed_data_products\":");
  AppendInt(c.listed_data_products, out);
  out->append(",\"registration_certificates\":");
  AppendInt(c.registration_certificates, out);
  out->append(",\"fs_inclusion_first_time\":");
  AppendBool(c.fs_inclusion_first_time, out);
  out->append(",\"fs_inclusion_amount\":");
  AppendMoneyString(c.fs_inclusion_amount_fen, out);
  out->append(",\"exchange_trading_volume\":");
  AppendMoneyString(c.exchange_trading_volume_fen, out);
  out->append(",\"filed_trading_volume\":");
  AppendMoneyString(c.filed_trading_volume_fen, out);
  out->append(",\"compliant_export_first_time\":");
  AppendBool(c.compliant_export_first_time, out);
  out->append(",\"export_route\":");
  if (c.export_route == ExportRoute::kNone) {
    out->append("null");
  } else {
    AppendJsonString(ExportRouteName(c.export_route), out);
  }
  out->append(",\"platform_in_operation\":");
  AppendBool(c.platform_in_operation, out);
  out->append("},\"claims\":");
  AppendClaims(c, out);
  out->append(",\"history\":[]}\n");
}

void AppendCsvHeader(std::string* out) {
  bool first = true;
  for (std::string_view column : kCsvColumns) {
    if (!first) out->push_back(',');
    first = false;
    out->append(column);
  }
  out->push_back('\n');
}

void AppendCsvRow(const Case& c, std::string* out) {
  AppendInt(c.year_index, out);
  out->push_back(',');
  AppendInt(c.enterprise, out);
  out->push_back(',');
  AppendInt(c.year, out);
  out->push_back(',');
  AppendCsvField(c.id, out);
  out->push_back(',');
  AppendCsvField(c.name, out);
  for (bool v : {c.registered_in_chaoyang, c.taxed_in_chaoyang, c.independent_legal_person,
                 c.serious_dishonesty_record}) {
    out->push_back(',');
    AppendBool(v, out);
  }
  out->push_back(',');
  AppendTags(c.tags, ';', /*quoted=*/false, out);
  out->push_back(',');
  AppendInt(c.listed_data_products, out);
  out->push_back(',');
  AppendInt(c.registration_certificates, out);
  out->push_back(',');
  AppendBool(c.fs_inclusion_first_time, out);
  for (int64_t fen : {c.fs_inclusion_amount_fen, c.exchange_trading_volume_fen, c.filed_trading_volume_fen}) {
    out->push_back(',');
    AppendMoney(fen, out);
  }
  out->push_back(',');
  AppendBool(c.compliant_export_first_time, out);
  out->push_back(',');
  out->append(ExportRouteName(c.export_route));
  out->push_back(',');
  AppendBool(c.platform_in_operation, out);
  out->push_back(',');
  // The claims JSON is formatted aside to be quoted; the scratch buffer keeps
  // its capacity so a row costs no allocation.
  thread_local std::string claims;
  claims.clear();
  AppendClaims(c, &claims);
  AppendCsvField(claims, out);
  // History is always empty in a generated population; "[]" keeps the column explicit.
  out->append(",[]\n");
}

Status WritePopulation(const PopulationSpec& spec, const std::string& path, const ProgressFn& progress) {
  BURSAR_ASSIGN_OR_RETURN(PopulationFormat format, FormatForPath(path));
  const std::string partial = path + ".partial";
  File file(std::fopen(partial.c_str(), "wb"));
  if (file.get() == nullptr) {
    return Status(StatusCode::kUnavailable, "cannot write '" + partial + "': " + std::strerror(errno));
  }
  auto fail = [&](const char* what) {
    Status s(StatusCode::kUnavailable, std::string(what) + " '" + partial + "': " + std::strerror(errno));
    std::remove(partial.c_str());
    return s;
  };

  constexpr size_t kFlushAt = 1 << 20;
  std::string buffer;
  buffer.reserve(kFlushAt + (64 << 10));
  auto flush = [&]() {
    if (buffer.empty()) return true;
    bool ok = std::fwrite(buffer.data(), 1, buffer.size(), file.get()) == buffer.size();
    buffer.clear();
    return ok;
  };

  if (format == PopulationFormat::kJsonLines) {
    AppendJsonLinesHeader(spec, &buffer);
  } else {
    AppendCsvHeader(&buffer);
  }
  const PopulationGenerator generator(spec);
  const int64_t total = spec.enterprises * spec.years;
  // Report about every 10%, and never more often than every 64k cases.
  const int64_t report_every = std::max<int64_t>(65536, total / 10);
  int64_t written = 0;
  Case c;
  for (int k = 0; k < spec.years; ++k) {
    for (int64_t e = 0; e < spec.enterprises; ++e) {
      generator.Generate(e, k, &c);
      if (format == PopulationFormat::kJsonLines) {
        AppendJsonLine(c, &buffer);
      } else {
        AppendCsvRow(c, &buffer);
      }
      if (buffer.size() >= kFlushAt && !flush()) return fail("cannot write");
      if (++written % report_every == 0 && progress) progress(written, total);
    }
  }
  if (!flush()) return fail("cannot write");
  if (!file.Close()) return fail("cannot finish writing");
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    Status s(StatusCode::kUnavailable, "cannot rename '" + partial + "' to '" + path + "': " + std::strerror(errno));
    std::remove(partial.c_str());
    return s;
  }
  if (progress) progress(written, total);
  return OkStatus();
}

}  // namespace bursar::population
