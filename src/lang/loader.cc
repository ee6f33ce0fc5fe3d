#include "lang/loader.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <cctype>
#include <sstream>

#include "lang/lexer.h"
#include "lang/parser.h"

namespace bursar {
namespace fs = std::filesystem;

// libsodium's SHA-256: OpenSSL 3 spends more fetching its provider than
// hashing a policy folder.
std::string Sha256Hex(const std::string& data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < sizeof digest; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

namespace {

struct Match {
  size_t position, length;
};

bool IsLabelChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// "[04.2]", "[R.1]": letters or digits, a dot, digits, in brackets.
std::vector<Match> FindClauseLabels(const std::string& text) {
  std::vector<Match> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '[') continue;
    size_t j = i + 1;
    while (j < text.size() && IsLabelChar(text[j])) ++j;
    if (j == i + 1 || j >= text.size() || text[j] != '.') continue;
    size_t k = ++j;
    while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k;
    if (k == j || k >= text.size() || text[k] != ']') continue;
    out.push_back({i, k + 1 - i});
    i = k;
  }
  return out;
}

// "【04.2】" at the start of `body`: the Chinese paragraph of clause [04.2].
// The label as "[04.2]", or "" when the paragraph does not open with one.
std::string ChineseClauseLabel(const std::string& body, size_t* length) {
  static const std::string kOpen = "\xE3\x80\x90", kClose = "\xE3\x80\x91";  // 【 】
  if (body.rfind(kOpen, 0) != 0) return "";
  const size_t close = body.find(kClose, kOpen.size());
  if (close == std::string::npos) return "";
  const std::string label = "[" + body.substr(kOpen.size(), close - kOpen.size()) + "]";
  if (FindClauseLabels(label).size() != 1 || FindClauseLabels(label)[0].length != label.size()) return "";
  *length = close + kClose.size();
  return label;
}

constexpr const char* kReferenceMark = "\xEF\xBC\x88\xE5\x8F\x82\xE8\x80\x83\xE8\xAF\x91\xE6\x96\x87\xEF\xBC\x89";  // （参考译文）

// "**D-04a**": the label, without the asterisks.
std::vector<Match> FindDecisionLabels(const std::string& text) {
  std::vector<Match> out;
  for (size_t i = text.find("**D-"); i != std::string::npos; i = text.find("**D-", i + 1)) {
    size_t j = i + 4;
    while (j < text.size() && IsLabelChar(text[j])) ++j;
    if (j > i + 4 && text.compare(j, 2, "**") == 0) out.push_back({i + 2, j - i - 2});
  }
  return out;
}

// Scans one Markdown file: lexes its ```bursar blocks and records the labels
// its prose defines ("[04.2]" anywhere in prose, "**D-04a**" in prose).
void ScanFile(int file_index, const SourceFile& file, Policy* policy, std::vector<Token>* tokens,
              Diagnostics* diags) {
  bool in_code = false, in_other_fence = false;
  size_t code_begin = 0;
  int code_line = 0;
  std::string current_label;  // the clause whose paragraph we are in
  for (size_t ln = 1; ln <= file.line_starts.size(); ++ln) {
    std::string_view line = file.Line(static_cast<int>(ln));
    std::string_view trimmed = line;
    while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
    bool fence = trimmed.rfind("```", 0) == 0;
    if (in_code) {
      if (fence) {
        Lex(file, file_index, code_begin, file.line_starts[ln - 1], code_line, tokens, diags);
        in_code = false;
      }
      continue;
    }
    if (in_other_fence) {
      if (fence) in_other_fence = false;
      continue;
    }
    if (fence) {
      std::string_view info = trimmed.substr(3);
      while (!info.empty() && info.back() == '\r') info.remove_suffix(1);
      if (info == "bursar") {
        in_code = true;
        code_line = static_cast<int>(ln) + 1;
        code_begin = ln < file.line_starts.size() ? file.line_starts[ln] : file.text.size();
      } else {
        in_other_fence = true;
      }
      continue;
    }
    std::string text(line);
    if (trimmed.empty()) {
      current_label.clear();
      continue;
    }
    std::string body = text;
    if (body.rfind("> ", 0) == 0) body = body.substr(2);
    // A paragraph opening with 【04.2】 is the Chinese text of [04.2].
    size_t zh_length = 0;
    if (std::string zh_label = ChineseClauseLabel(body, &zh_length); !zh_label.empty()) {
      std::string zh = body.substr(zh_length);
      while (!zh.empty() && zh.front() == ' ') zh.erase(0, 1);
      const bool reference = zh.rfind(kReferenceMark, 0) == 0;
      if (reference) zh.erase(0, std::string(kReferenceMark).size());
      Location w{file_index, static_cast<int>(ln), static_cast<int>(text.size() - body.size()) + 1,
                 static_cast<int>(zh_length)};
      policy->clause_texts_zh.push_back({zh_label, zh, reference, w});
      current_label = "zh" + zh_label;
      continue;
    }
    if (current_label.rfind("zh", 0) == 0 && !policy->clause_texts_zh.empty()) {
      policy->clause_texts_zh.back().text += body;  // Chinese lines join without a space
      continue;
    }
    std::vector<Match> clauses = FindClauseLabels(text);
    for (const Match& it : clauses) {
      std::string label = text.substr(it.position, it.length);
      bool known = std::any_of(policy->clause_labels.begin(), policy->clause_labels.end(),
                               [&](const auto& l) { return l.first == label; });
      if (known) continue;
      Location w{file_index, static_cast<int>(ln), static_cast<int>(it.position) + 1, static_cast<int>(it.length)};
      policy->clause_labels.emplace_back(label, w);
      // A paragraph that opens with its label is that clause's text.
      if (it.position == text.size() - body.size()) {
        std::string clause_text = body.substr(it.length);
        while (!clause_text.empty() && clause_text.front() == ' ') clause_text.erase(0, 1);
        policy->clause_texts.emplace_back(label, clause_text);
        current_label = label;
      }
    }
    if (!current_label.empty() && clauses.empty() && !policy->clause_texts.empty() &&
        policy->clause_texts.back().first == current_label) {
      policy->clause_texts.back().second += " " + body;
    }
    for (const Match& it : FindDecisionLabels(text)) {
      std::string label = text.substr(it.position, it.length);
      bool known = std::any_of(policy->decision_labels.begin(), policy->decision_labels.end(),
                               [&](const auto& l) { return l.first == label; });
      if (known) continue;
      Location w{file_index, static_cast<int>(ln), static_cast<int>(it.position) + 1, static_cast<int>(it.length)};
      policy->decision_labels.emplace_back(label, w);
    }
  }
  if (in_code) {
    Lex(file, file_index, code_begin, file.text.size(), code_line, tokens, diags);
    diags->Error("unclosed-block", Location{file_index, code_line - 1, 1, 9},
                 "this ```bursar block is never closed with ```");
  }
}

// A bilingual policy (one with any Chinese: a 【】 paragraph or a `zh`
// title) gives every clause both texts: each [label] paragraph its 【label】
// paragraph, and no 【label】 without its clause.
void CheckBilingual(const Policy& policy, Diagnostics* diags) {
  if (policy.clause_texts_zh.empty() && policy.title_zh.empty()) return;
  for (const auto& clause : policy.clause_texts) {
    const std::string& label = clause.first;  // a plain name: clang before 16 cannot capture a structured binding
    const bool has = std::any_of(policy.clause_texts_zh.begin(), policy.clause_texts_zh.end(),
                                 [&](const Policy::ClauseZh& z) { return z.label == label; });
    if (has) continue;
    Location where;
    for (const auto& [l, w] : policy.clause_labels) {
      if (l == label) where = w;
    }
    diags->Error("missing-chinese", where,
                 "clause " + label + " has no Chinese text: add a paragraph that opens with 【" +
                     label.substr(1, label.size() - 2) + "】 (and （参考译文） when it is not the published text)");
  }
  for (const auto& z : policy.clause_texts_zh) {
    const bool has = std::any_of(policy.clause_texts.begin(), policy.clause_texts.end(),
                                 [&](const auto& c) { return c.first == z.label; });
    if (!has) {
      diags->Error("unknown-label", z.where, "the Chinese paragraph " + z.label + " has no clause of that label");
    }
    if (z.text.empty()) diags->Error("missing-chinese", z.where, "the Chinese paragraph of " + z.label + " is empty");
  }
}

}  // namespace

namespace {

// Collects every *.md file under `dir` (folders named tests excepted),
// following links to folders and files. A folder or link that cannot be read
// is an error, never a silent gap in the policy; so is a folder reached twice
// (a link back into the policy would read its files twice).
Status ListPolicyFiles(const fs::path& dir, std::vector<fs::path>* files, std::vector<fs::path>* seen) {
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec) return Status(StatusCode::kUnavailable, "cannot read the folder '" + dir.string() + "': " + ec.message());
  if (std::find(seen->begin(), seen->end(), real) != seen->end()) {
    return Status(StatusCode::kInvalidArgument,
                  "the folder '" + dir.string() + "' is reached twice (a link leads back into the policy folder)");
  }
  seen->push_back(real);
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  if (ec) return Status(StatusCode::kUnavailable, "cannot read the folder '" + dir.string() + "': " + ec.message());
  std::sort(entries.begin(), entries.end());
  for (const fs::path& entry : entries) {
    fs::file_status st = fs::status(entry, ec);  // follows links
    if (ec) {
      if (fs::is_symlink(fs::symlink_status(entry))) {
        std::error_code link_ec;
        fs::path target = fs::read_symlink(entry, link_ec);
        return Status(StatusCode::kUnavailable, "cannot read '" + entry.string() + "', a link to '" + target.string() +
                                                    "': " + ec.message());
      }
      return Status(StatusCode::kUnavailable, "cannot read '" + entry.string() + "': " + ec.message());
    }
    if (fs::is_directory(st)) {
      if (entry.filename() == "tests") continue;
      BURSAR_RETURN_IF_ERROR(ListPolicyFiles(entry, files, seen));
    } else if (fs::is_regular_file(st) && entry.extension() == ".md") {
      files->push_back(entry);
    }
  }
  return OkStatus();
}

}  // namespace

Result<LoadResult> LoadPolicy(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status(StatusCode::kNotFound, "no policy folder at '" + dir + "'");
  }
  fs::path base = fs::path(dir).lexically_normal();
  if (base.filename().empty() && base.has_parent_path()) base = base.parent_path();  // "policy/" → "policy"
  std::vector<fs::path> files, seen;
  BURSAR_RETURN_IF_ERROR(ListPolicyFiles(base, &files, &seen));
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status(StatusCode::kNotFound, "the folder '" + dir + "' holds no policy files (*.md)");

  std::vector<PolicyFileText> texts;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status(StatusCode::kUnavailable, "cannot read '" + file.string() + "'");
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return Status(StatusCode::kUnavailable, "cannot read '" + file.string() + "'");
    // The path as the folder lays it out (through any link), for the digest.
    texts.push_back({file.lexically_relative(base).generic_string(), file.lexically_normal().string(), buffer.str()});
  }
  return LoadPolicyText(texts);
}

LoadResult LoadPolicyText(const std::vector<PolicyFileText>& files) {
  auto checked = std::make_shared<CheckedPolicy>();
  LoadResult result;
  std::string digest_input;
  std::vector<std::vector<Token>> tokens(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    digest_input += files[i].path + '\0' + files[i].text + '\0';
    int index = checked->sources.Add(files[i].display, files[i].text);
    // About one token per 16 bytes of a policy file (prose included): growing
    // the vector by doubling moved every token several times, a tenth of
    // `bursar eval`'s time.
    tokens[i].reserve(files[i].text.size() / 16);
    ScanFile(index, checked->sources.files[static_cast<size_t>(index)], &checked->policy, &tokens[i],
             &result.diagnostics);
  }
  for (auto& file_tokens : tokens) ParseTokens(file_tokens, &checked->policy, &result.diagnostics);
  CheckPolicy(checked.get(), &result.diagnostics);
  CheckBilingual(checked->policy, &result.diagnostics);
  checked->digest = "sha256:" + Sha256Hex(digest_input);
  result.formatted = result.diagnostics.Format(checked->sources);
  if (!result.diagnostics.has_errors()) result.policy = std::move(checked);
  return result;
}

}  // namespace bursar
