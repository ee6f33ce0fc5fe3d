// bursar user add|passwd|disable|enable|token|revoke|list: local accounts of the HTTP API
// (docs/http-api.md, "Accounts and roles").
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/store_options.h"
#include "store/secret.h"
#include "store/store.h"

namespace bursar::cli {
namespace {

constexpr const char* kUsage =
    "usage: bursar user add USERNAME --role ROLE [--enterprise CODE] [--password-stdin]\n"
    "       bursar user passwd USERNAME [--password-stdin]\n"
    "       bursar user disable USERNAME\n"
    "       bursar user enable USERNAME\n"
    "       bursar user token USERNAME --name LABEL [--days N] [--secret-file PATH]\n"
    "       bursar user revoke TOKEN_ID\n"
    "       bursar user list [--json]\n"
    "       (each takes --db URL, --actor NAME)\n\n"
    "  add      a new account; ROLE is applicant (needs --enterprise, the credit\n"
    "           code of a stored enterprise), reviewer, officer, auditor, admin,\n"
    "           finance or data-bureau\n"
    "  passwd   set a new password; ends every session of the account and\n"
    "           revokes its tokens\n"
    "  disable  disable the account; ends its sessions and revokes its tokens\n"
    "  enable   enable a disabled account again; its old sessions and tokens\n"
    "           stay ended (the user signs in anew). An enabled account: no change\n"
    "  token    issue a bearer token for integrators (Authorization: Bearer ...);\n"
    "           printed once, only its HMAC under the server secret is kept (the\n"
    "           file `bursar serve --secret-file` uses; default bursar.secret in the\n"
    "           working directory, made when missing). --days 1..365 (default 90):\n"
    "           every token expires. Its id is printed with it, for revoke\n"
    "  revoke   revoke one token by its id; the account's other tokens stay\n"
    "  list     the accounts, without secrets, with when each last signed in\n\n"
    "Passwords have at least 12 characters, are not one character or a short\n"
    "pattern repeated, do not contain the username and are not a common password. They are prompted for without echo\n"
    "on a terminal; with --password-stdin (or when standard input is not a\n"
    "terminal) the first line of standard input is the password.\n";

// The first line of standard input; on a terminal, prompted without echo.
std::optional<std::string> ReadPassword(bool from_stdin) {
  const bool tty = !from_stdin && isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::fputs("password: ", stderr);
    std::fflush(stderr);
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stderr);
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

nlohmann::ordered_json AccountJson(const store::Account& a) {
  nlohmann::ordered_json j = {{"username", a.username}, {"role", store::RoleName(a.role)}};
  if (!a.credit_code.empty()) j["credit_code"] = a.credit_code;
  j["disabled"] = a.disabled;
  j["created_at"] = a.created_at;
  j["password_changed_at"] = a.password_changed_at;
  using OJson = nlohmann::ordered_json;
  j["last_login_at"] = a.last_login_at.empty() ? OJson(nullptr) : OJson(a.last_login_at);
  return j;
}

int Usage() {
  std::fputs(kUsage, stderr);
  return kExitUsage;
}

int RunUser(const std::vector<std::string>& args) {
  StoreOptions o;
  if (!ParseStoreOptions(args, {"--role", "--enterprise", "--name", "--days", "--secret-file"}, &o)) return kExitUsage;
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (o.positional.empty()) return Usage();
  const std::string verb = o.positional[0];
  const bool list = verb == "list";
  if (list ? o.positional.size() != 1 : o.positional.size() != 2) return Usage();
  std::string username = list ? "" : o.positional[1];
  // Only the flags that belong to the verb.
  std::vector<std::string> allowed;
  if (verb == "add") allowed = {"--role", "--enterprise", "--password-stdin"};
  else if (verb == "passwd") allowed = {"--password-stdin"};
  else if (verb == "token") allowed = {"--name", "--days", "--secret-file"};
  else if (verb != "disable" && verb != "enable" && verb != "revoke" && verb != "list") {
    std::fprintf(stderr, "bursar user: unknown action '%s'\n\n%s", verb.c_str(), kUsage);
    return kExitUsage;
  }
  for (size_t i = 0; i < o.flags.size(); ++i) {
    const std::string& f = o.flags[i];
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == f;
    if (!ok) {
      std::fprintf(stderr, "bursar user %s: unknown option '%s'\n\n%s", verb.c_str(), f.c_str(), kUsage);
      return kExitUsage;
    }
    if (f != "--password-stdin") ++i;  // its value
  }

  store::OpenOptions open;
  if (verb == "token") {
    const std::string path = FlagValue(o, "--secret-file", "bursar.secret");
    auto secret = store::LoadServerSecret(path, true, "--secret-file");
    if (!secret.ok()) return ReportStatus(secret.status());
    if (secret->created) std::fprintf(stderr, "made a new server secret in %s (mode 0600)\n", path.c_str());
    open.credential_key = std::move(secret->key);
  }
  auto opened = store::Store::Open(o.db, open);
  if (!opened.ok()) return ReportStatus(opened.status());
  store::Store& st = **opened;

  if (verb == "add" || verb == "passwd") {
    std::optional<store::Role> role;
    if (verb == "add") {
      role = store::ParseRole(FlagValue(o, "--role"));
      if (!role) {
        std::fprintf(stderr, "bursar user add: --role is applicant, reviewer, officer, auditor or admin\n");
        return kExitUsage;
      }
      // The rule of usernames (A6), folded to lower case: `ADMIN` is `admin`.
      auto canonical = store::CanonicalUsername(username);
      if (!canonical.ok()) return ReportStatus(canonical.status());
      username = *canonical;
      // Fail on the account's other fields before asking for a password.
      if (st.GetAccount(username).ok()) {
        return ReportStatus(Status(StatusCode::kAlreadyExists, "the username '" + username + "' is taken"));
      }
    } else if (auto a = st.GetAccount(username); !a.ok()) {
      return ReportStatus(a.status());
    } else {
      username = a->username;  // as stored: the password policy compares with it
    }
    auto password = ReadPassword(HasFlag(o, "--password-stdin"));
    if (!password) {
      std::fprintf(stderr, "bursar user %s: no password on standard input\n", verb.c_str());
      return kExitUsage;
    }
    if (Status policy = store::CheckPasswordPolicy(*password, username); !policy.ok()) return ReportStatus(policy);
    auto hash = store::HashPassword(*password);
    if (!hash.ok()) return ReportStatus(hash.status());
    if (verb == "passwd") {
      if (Status s = st.SetPasswordHash(o.actor, username, *hash); !s.ok()) return ReportStatus(s);
      std::printf("password of %s changed; its sessions ended and its tokens revoked\n", username.c_str());
      return kExitOk;
    }
    auto account = st.AddAccount(o.actor, username, *role, FlagValue(o, "--enterprise"), *hash);
    if (!account.ok()) return ReportStatus(account.status());
    if (o.json) {
      std::printf("%s\n", AccountJson(*account).dump(2).c_str());
    } else {
      std::printf("account %s added (%s%s)\n", username.c_str(), store::RoleName(*role),
                  account->credit_code.empty() ? "" : (", " + account->credit_code).c_str());
    }
    return kExitOk;
  }
  if (verb == "disable") {
    if (Status s = st.DisableAccount(o.actor, username); !s.ok()) return ReportStatus(s);
    std::printf("account %s disabled; its sessions ended and tokens revoked\n", username.c_str());
    return kExitOk;
  }
  if (verb == "enable") {
    auto before = st.GetAccount(username);
    if (!before.ok()) return ReportStatus(before.status());
    if (!before->disabled) {
      std::printf("account %s is not disabled; nothing changed\n", username.c_str());
      return kExitOk;
    }
    if (Status s = st.EnableAccount(o.actor, username); !s.ok()) return ReportStatus(s);
    std::printf("account %s enabled; it signs in anew (its old sessions and tokens stay ended)\n", username.c_str());
    return kExitOk;
  }
  if (verb == "token") {
    const std::string days_text = FlagValue(o, "--days", "90");
    if (days_text.empty() || days_text.size() > 4 || days_text.find_first_not_of("0123456789") != std::string::npos) {
      std::fprintf(stderr, "bursar user token: --days takes 1..%lld, got '%s'\n",
                   static_cast<long long>(store::Store::kMaxTokenDays), days_text.c_str());
      return kExitUsage;
    }
    if (!HasFlag(o, "--name")) {
      std::fprintf(stderr, "bursar user token: --name LABEL says what the token is for\n");
      return kExitUsage;
    }
    auto issued = st.IssueToken(o.actor, username, FlagValue(o, "--name"), std::stoll(days_text));
    if (!issued.ok()) return ReportStatus(issued.status());
    if (o.json) {
      nlohmann::ordered_json j = {{"id", issued->id}, {"token", issued->token}, {"expires_at", issued->expires_at}};
      std::printf("%s\n", j.dump(2).c_str());
    } else {
      std::printf("%s\n", issued->token.c_str());
      std::fprintf(stderr, "token %lld for %s%s: shown once, keep it secret\n", static_cast<long long>(issued->id),
                   username.c_str(), issued->expires_at.empty() ? "" : (", expires " + issued->expires_at).c_str());
    }
    return kExitOk;
  }
  if (verb == "revoke") {
    const std::string& id_text = username;  // the positional argument: a token id
    if (id_text.empty() || id_text.size() > 18 || id_text.find_first_not_of("0123456789") != std::string::npos) {
      std::fprintf(stderr, "bursar user revoke: TOKEN_ID is the number `bursar user token` printed, got '%s'\n",
                   id_text.c_str());
      return kExitUsage;
    }
    if (Status s = st.RevokeToken(o.actor, std::stoll(id_text)); !s.ok()) return ReportStatus(s);
    std::printf("token %s revoked\n", id_text.c_str());
    return kExitOk;
  }
  auto accounts = st.ListAccounts();
  if (!accounts.ok()) return ReportStatus(accounts.status());
  if (o.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& a : *accounts) out.push_back(AccountJson(a));
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const auto& a : *accounts) {
      std::printf("%-24s %-9s %-18s %-24s %s\n", a.username.c_str(), store::RoleName(a.role), a.credit_code.c_str(),
                  a.last_login_at.empty() ? "never signed in" : a.last_login_at.c_str(), a.disabled ? "disabled" : "");
    }
  }
  return kExitOk;
}

}  // namespace
BURSAR_COMMAND("user", "local accounts of the HTTP API (add, passwd, disable, enable, token, revoke, list)", RunUser);
}  // namespace bursar::cli
