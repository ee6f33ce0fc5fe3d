#!/usr/bin/env bash
# Makes the demo database: a generated population of enterprises with two
# years of evidence, driven through the real lifecycle with the `bursar`
# commands, so that the web application has something in every state.
#   scripts/demo-setup.sh DB            # DB: a SQLite path (made afresh) or postgresql://...
#   BURSAR=build/bursar DEMO_ENTERPRISES=300 scripts/demo-setup.sh demo.db
# Prints the demo accounts with their passwords at the end.
#
# What it leaves (docs/walkthrough.md explains the commands):
#   2024: every application final or paid (the history 2025's multi-year rules read);
#   2025: applications in every state: draft (apply-free proposals not yet
#         confirmed, and one discretionary draft), submitted, in_review (one
#         reviewer still to score, one who declared a conflict), decided,
#         notice (one with an open objection), final (one part-paid), paid (in
#         two instalments) and recovered; budgets for both years.
#
# Procedural dates are the store's own calendar day in Beijing (D-G9), never
# typed: the demo lives through the months before today on the test clock
# (`ago N` runs the following commands N days ago, BURSAR_TEST_CLOCK with
# BURSAR_TEST_MODE=1), so every notice ran its full days before finalisation
# and every payment is dated after it and not in the future.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bursar="$(realpath "${BURSAR:-$root/build/bursar}")"
db="${1:?usage: demo-setup.sh DB}"
enterprises="${DEMO_ENTERPRISES:-300}"
export BURSAR_POLICY="${BURSAR_POLICY:-$root/policies/chaoyang-data-element}"

if [[ "$db" != postgres* ]]; then rm -f "$db" "$db-wal" "$db-shm"; fi
days_ago=0
ago() { days_ago=$1; }
b() {
  if (( days_ago > 0 )); then
    BURSAR_TEST_MODE=1 BURSAR_TEST_CLOCK="$(date -u -d "-$days_ago days" +%F)" "$bursar" "$@" --db "$db"
  else
    "$bursar" "$@" --db "$db"
  fi
}
ids() { b app list --ids "$@" | tr '\n' ' '; }
first() { awk 'NR == 1'; }

ago 160
b db init >/dev/null
evidence="$(mktemp -d)"
trap 'rm -rf "$evidence"' EXIT
"$root/scripts/gen-evidence.py" "$evidence" --enterprises "$enterprises" --trades $((enterprises * 60)) \
  --seed 2025 --years 2024,2025 >/dev/null
# Chinese names, as the enterprises of a Chaoyang programme have: "Enterprise 7
# Co. Ltd." becomes 北京<brand><trade>有限公司, a different one for each number.
awk -F, -v OFS=, '
  BEGIN {
    split("星海 云启 数联 智远 华数 京信 朝晖 锐思 天衡 明途 博纳 领航 青禾 恒通 万象 中科 泽众 弘毅 睿达 嘉和", brand, " ")
    split("数据科技 信息技术 智能科技 数字科技 网络科技 云计算 数据服务 软件 大数据 科技发展 算力科技 信息服务 数码科技 智慧科技 数据交易服务", trade, " ")
  }
  NR > 1 && match($2, /^Enterprise [0-9]+ Co\. Ltd\.$/) {
    n = substr($2, 12) + 0
    $2 = "北京" brand[n % 20 + 1] trade[int(n / 20) % 15 + 1] (n >= 300 ? int(n / 300) "号" : "") "有限公司"
  }
  { print }' "$evidence/enterprises.csv" >"$evidence/named.csv"
mv "$evidence/named.csv" "$evidence/enterprises.csv"
for kind in enterprises listings certificates fs_inclusions trades filings exports projects platforms; do
  b import "$kind" "$evidence/$kind.csv" --actor data-bureau >/dev/null
done

b budget set 2024 150000000 --actor officer-zhao
b budget set 2025 200000000 --actor officer-zhao

# Enterprises by tag, for the discretionary measures they may claim.
tagged() { awk -F, -v tag="$1" 'NR > 1 && $7 ~ tag {print $1}' "$evidence/enterprises.csv" | head -"$2"; }
apply() {  # YEAR MEASURE ASSESSED CODES...
  local year=$1 measure=$2 assessed=$3; shift 3
  for code in "$@"; do
    b app create "$code" "$year" --claim "{\"measure\":\"$measure\",\"assessed\":\"$assessed\"}" --actor "$code" >/dev/null
  done
}
score() {  # ID PROPOSED REVIEWER...
  local id=$1 proposed=$2; shift 2
  for r in "$@"; do
    b app score "$id" --scores '{"effectiveness":82,"compliance":90,"impact":75}' --proposed "$proposed" --opinion '材料齐全，指标达到要求，同意支持。' --actor "$r" >/dev/null
  done
}
# Separation of duties: finance-liu records each payment as an order and
# finance-sun, a second finance account, approves the orders (the office's
# threshold for a second approval is 0.00: every payment).
approve() {
  local pending
  pending=$(b app orders --state pending | cut -d' ' -f1)
  if [[ -n "$pending" ]]; then b app approve $pending --actor finance-sun >/dev/null; fi
}

# "ID PAYABLE" of each application of YEAR in STATE whose payable amount is above zero.
payable() {
  b app list --year "$1" --state "$2" --json |
    python3 -c 'import json,sys; [print(a["id"], a["payable"]) for a in json.load(sys.stdin) if a["payable"] not in (None, "0.00")]'
}
# --- 2024: the year before, decided and paid -----------------------------------
ago 150
b propose 2024 --actor data-bureau >/dev/null
apply 2024 03 1800000 $(tagged data_vendor 12)
apply 2024 02 3000000 $(tagged platform_operator 6)
apply 2024 06 2500000 $(tagged innovation_platform 5)
b app submit $(ids --year 2024 --state draft) --actor enterprise >/dev/null
for m in 04 05; do
  list=$(ids --year 2024 --state submitted --measure $m)
  [[ -z "$list" ]] || b app review $list --actor officer-zhao >/dev/null
done
# The rest (02, 03, 06) go to the reviewers, who score them all. (Listing them
# once here, not asking `app show` of every application in review, saves some
# 300 processes.)
reviewed=$(ids --year 2024 --state submitted)
b app review $reviewed --reviewers rev-wang,rev-li --actor officer-zhao >/dev/null
for id in $reviewed; do score "$id" 1500000 rev-wang rev-li; done
b decide 2024 --actor officer-zhao >/dev/null
ago 149  # the notice runs seven full days from tomorrow: the last is 142 days ago
b app notice $(ids --year 2024 --state decided) --actor officer-zhao >/dev/null
ago 141
b app finalise $(ids --year 2024 --state notice) --actor officer-zhao >/dev/null
ago 140
b app pay $(payable 2024 final | cut -d' ' -f1) --amount rest --reference PAY-2024 --actor finance-liu >/dev/null && approve

# --- 2025: the current year, in every state ------------------------------------
ago 60
b propose 2025 --actor data-bureau >/dev/null
apply 2025 03 2000000 $(tagged data_vendor 16)
apply 2025 02 4000000 $(tagged platform_operator 8)
apply 2025 06 3000000 $(tagged innovation_platform 6)
# Drafts that stay drafts: the last five apply-free proposals, for applicants to confirm.
drafts=$(ids --year 2025 --state draft --measure 04)
keep_draft=$(echo $drafts | tr ' ' '\n' | tail -5 | tr '\n' ' ')
confirm=$(echo $drafts | tr ' ' '\n' | head -n -5 | tr '\n' ' ')
other=$(ids --year 2025 --state draft --measure 05; ids --year 2025 --state draft --measure 03;
        ids --year 2025 --state draft --measure 02; ids --year 2025 --state draft --measure 06)
b app submit $confirm $(echo $other | tr ' ' '\n' | head -n -1 | tr '\n' ' ') --actor enterprise >/dev/null
b app create "$(tagged scenario_builder 1)" 2025 \
  --claim '{"measure":"11","item":"scenario","project":"P-DEMO","investment":"12000000","civil_construction":"3000000"}' \
  --actor enterprise >/dev/null
# Submitted, not yet under review: the last two discretionary applications.
submitted=$(ids --year 2025 --state submitted --measure 03 | tr ' ' '\n' | tail -2 | tr '\n' ' ')
for m in 04 05; do
  list=$(ids --year 2025 --state submitted --measure $m)
  [[ -z "$list" ]] || b app review $list --actor officer-zhao >/dev/null
done
review=$(for id in $(ids --year 2025 --state submitted); do [[ " $submitted " == *" $id "* ]] || echo "$id"; done)
b app review $review --reviewers rev-wang,rev-li --actor officer-zhao >/dev/null
# In review: one waits for rev-li; on another rev-li declared a conflict.
set -- $review
waiting=$1 conflict=$2
score "$waiting" 1800000 rev-wang
b app conflict "$conflict" --reason "2024 年曾任该企业顾问" --actor rev-li >/dev/null
score "$conflict" 1700000 rev-wang
shift 2
for id in "$@"; do score "$id" 1600000 rev-wang rev-li; done
b decide 2025 --actor officer-zhao >/dev/null
# The conflict one is decided too (rev-wang's review is in); rev-li's is not in on $waiting.
# Of the decided: ten stay decided; fourteen go on a public notice that still
# runs today (published three days ago), the first with an open objection; the
# others went on notice 59 days ago, one of them with an objection that was
# dismissed, and became final after it.
set -- $(ids --year 2025 --state decided)
shift 10
decided=("$@")
stay=("${decided[0]}" "${decided[@]:2:13}")
went=("${decided[1]}" "${decided[@]:15}")
objected=${stay[0]} dismissed=${went[0]}
ago 59
b app notice "${went[@]}" --actor officer-zhao >/dev/null
ago 57
objection=$(b app object "$dismissed" --reason "该平台 2025 年并未实际运营" --actor public)
ago 55
b app resolve "$objection" --dismissed --resolution "经现场核查运营记录，平台已正常运营，异议不成立" --actor officer-zhao >/dev/null
ago 51
b app finalise "${went[@]}" --actor officer-zhao >/dev/null
# Of the finals (with something to pay): twenty stay final, the first of them
# part-paid; ten are paid in two instalments; the rest in one payment batch;
# then one paid award is partly recovered.
ago 50
mapfile -t finals < <(payable 2025 final)
part_paid=$(printf '%s\n' "${finals[@]:0:20}" | awk '$2 + 0 >= 2000 {print $1; exit}')
b app pay "$part_paid" --amount 1000 --reference PAY-2025-0001 --actor finance-liu >/dev/null && approve
n=0 batch=() instalments=()
for line in "${finals[@]:20}"; do
  read -r id amount <<<"$line"
  n=$((n + 1))
  fen=$((10#${amount/./}))
  if (( n <= 10 && fen >= 2 )); then
    b app pay "$id" --amount "$((fen / 200)).$(printf %02d $((fen / 2 % 100)))" \
      --reference "PAY-2025-$n-1" --actor finance-liu >/dev/null && approve
    instalments+=("$id:$n")
  else
    batch+=("$id")
    # The award to recover from: the batch's first of at least 1,000 yuan.
    if [[ -z "${recovered:-}" ]] && (( fen >= 100000 )); then recovered=$id; fi
  fi
done
b app pay "${batch[@]}" --amount rest --reference PAY-2025-BATCH --actor finance-liu >/dev/null && approve
ago 20  # the second instalments
for pair in "${instalments[@]}"; do
  b app pay "${pair%%:*}" --amount rest --reference "PAY-2025-${pair##*:}-2" --actor finance-liu >/dev/null && approve
done
ago 10
b app recover "$recovered" --amount 1000 --reason "一项挂牌数据产品系重复挂牌，追回相应资金" \
  --actor officer-zhao >/dev/null
ago 3
b app notice "${stay[@]}" --actor officer-zhao >/dev/null
ago 2
b app object "$objected" --reason "交易额中含与关联企业之间的交易，应予剔除" --actor public >/dev/null
ago 0

# --- Accounts: one for every role ---------------------------------------------
applicant1=$(b app list --year 2025 --state draft --measure 04 | awk 'NR == 1 {print $2}')
applicant2=$(b app show "$objected" | python3 -c 'import json,sys; print(json.load(sys.stdin)["credit_code"])')
accounts=(
  "admin admin demo-console-pass"
  "officer-zhao officer demo-officer-pass"
  "rev-wang reviewer demo-reviewer-pass"
  "rev-li reviewer demo-reviewer-pass"
  "auditor-chen auditor demo-auditor-pass"
  "finance-liu finance demo-finance-pass"
  "finance-sun finance demo-finance-pass"
  "bureau-zhou data-bureau demo-bureau-pass"
  "applicant1 applicant demo-applicant-pass $applicant1"
  "applicant2 applicant demo-applicant-pass $applicant2"
)
for a in "${accounts[@]}"; do
  read -r name role password code <<<"$a"
  echo "$password" | b user add "$name" --role "$role" ${code:+--enterprise "$code"} --password-stdin --actor admin \
    >/dev/null
done
b audit verify >/dev/null
echo "demo database: $db"
echo "  $enterprises enterprises with two years of evidence; 2024 decided and paid, 2025 in every state"
echo "demo accounts (username, role, password, enterprise):"
for a in "${accounts[@]}"; do
  read -r name role password code <<<"$a"
  printf '  %-13s %-10s %-20s %s\n' "$name" "$role" "$password" "${code:-}"
done
echo "  (admin manages accounts in the web app at /admin, or with 'bursar user')"
