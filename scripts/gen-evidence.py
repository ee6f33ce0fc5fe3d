#!/usr/bin/env python3
"""Writes a synthetic evidence population for demos and the import benchmark.

usage: gen-evidence.py OUT_DIR [--enterprises N] [--trades N] [--seed S] [--years 2024,2025]

Writes enterprises.csv, trades.csv, listings.csv, certificates.csv,
fs_inclusions.csv, filings.csv, exports.csv, projects.csv and platforms.csv.
Credit codes are valid (GB 32100-2015 check character); amounts are money
strings. Trades, filings, financial-statement inclusions and projects fall in
the --years given (default 2025).
"""
import argparse
import os
import random

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    body = "91110105" + "".join(ALPHABET[(n // 31 ** i) % 31] for i in range(9))
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHABET[(31 - total % 31) % 31]


def money(rng, lo, hi):
    fen = rng.randint(lo * 100, hi * 100)
    return f"{fen // 100}.{fen % 100:02d}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--enterprises", type=int, default=100)
    ap.add_argument("--trades", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--years", default="2025")
    a = ap.parse_args()
    years = [int(y) for y in a.years.split(",")]
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    codes = [credit_code(i + 1) for i in range(a.enterprises)]
    tags = ["data_vendor", "professional_service_agency", "key_enterprise", "scenario_builder", "dataset_provider",
            "platform_operator", "innovation_platform"]
    enterprise_tags = [";".join(rng.sample(tags, rng.randint(0, 2))) for _ in codes]

    def w(name, header, rows):
        with open(os.path.join(a.out, name), "w") as f:
            f.write(header + "\n")
            for r in rows:
                f.write(",".join(str(x) for x in r) + "\n")

    w("enterprises.csv",
      "credit_code,name,registered_in_chaoyang,taxed_in_chaoyang,independent_legal_person,serious_dishonesty_record,tags",
      ((c, f"Enterprise {i + 1} Co. Ltd.", "true", "true", "true", "false", enterprise_tags[i])
       for i, c in enumerate(codes)))

    def trades():
        for i in range(a.trades):
            yield (codes[i % len(codes)], "BJIDE", f"T{i:09d}",
                   f"{rng.choice(years)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                   "seller" if i % 2 else "buyer", money(rng, 1000, 500000), "true" if i % 10 else "false")
    w("trades.csv", "credit_code,exchange,trade_id,date,side,amount,legally_established", trades())

    w("listings.csv", "exchange,listing_id,credit_code,product,type,listing_date,status",
      (("BJIDE", f"L{i:07d}", codes[i % len(codes)], f"Product {i}",
        rng.choice(["dataset", "api", "report", "service", "tool"]),
        f"{rng.choice([2023, 2024, 2025])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        rng.choice(["listed", "listed", "delisted", "revoked"])) for i in range(len(codes) * 30)))
    w("certificates.csv", "platform,number,credit_code,resource,right,issue_date,valid_until,status",
      (("BJ-DRP", f"C{i:07d}", codes[i % len(codes)], f"Resource {i}",
        rng.choice(["holding", "processing_and_use", "operating"]), f"2024-{rng.randint(1, 12):02d}-15",
        "2027-12-31" if i % 3 else "", "valid") for i in range(len(codes) * 4)))
    w("fs_inclusions.csv", "credit_code,year,amount,first_time",
      ((c, rng.choice(years), money(rng, 100000, 2000000), "true") for c in codes[::3]))
    w("filings.csv", "credit_code,filing_id,date,amount",
      ((codes[i % len(codes)], f"F{i:06d}", f"{rng.choice(years)}-{rng.randint(1, 12):02d}-10",
        money(rng, 10000, 900000))
       for i in range(len(codes) * 2)))
    w("exports.csv", "route,number,credit_code,authority,date",
      ((rng.choice(["security_assessment", "standard_contract", "pi_certification"]), f"E{i:05d}", c,
        "Beijing Cyberspace Administration", f"{rng.choice([2024, 2025])}-06-{rng.randint(1, 28):02d}")
       for i, c in enumerate(codes[::5])))
    w("projects.csv", "credit_code,project_id,year,investment,civil_construction",
      ((c, f"P-{i}", rng.choice(years), "12000000", "3000000") for i, c in enumerate(codes[::7])))
    # Measure 02: the platforms of platform operators, completed and in
    # operation (one in five ended its operation in the first year).
    w("platforms.csv", "credit_code,platform_id,name,completed_date,operation_start,operation_end",
      ((c, f"PF-{i}", f"Data platform {i}", f"{years[0] - 1}-03-01", f"{years[0] - 1}-05-01",
        f"{years[0]}-06-30" if i % 5 == 4 else "")
       for i, c in enumerate(codes) if "platform_operator" in enterprise_tags[i].split(";")))


if __name__ == "__main__":
    main()
