// Amounts and dates as a Chinese official document writes them.
//
// CapitalYuan: the amount in capital numerals (大写金额) as the People's Bank
// of China's payment and settlement rules (支付结算办法) write them on a cheque
// or a government document: 壹佰伍拾万元整, 壹拾亿元零伍分, 壹分, 零元整.
//   - Digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, and
//     the groups 万, 亿, 万亿. A leading 1 in the tens is written 壹拾.
//   - One 零 stands for any run of zeros between two written digits (壹仟零伍
//     元, 壹拾万零伍拾元); a group of four zeros writes no unit; zeros at the
//     end of the whole yuan write nothing. A group that starts with a 0 after a
//     written group begins with 零 (壹亿零伍佰万元).
//   - Whole yuan end with 整; 角 without 分 end with 角; 分 after whole yuan
//     with no 角 is 零X分. Below one yuan, no 元 is written (壹分, 伍角贰分).
// The caller adds 人民币 where the document wants it.
//
// ChineseDate: "2025-07-01" → "2025年7月1日", the date of a document as
// GB/T 9704-2012 writes it (Arabic numerals, no leading zeros).
//
// Thread-safety: free functions, no state.
#pragma once

#include <cstdint>
#include <string>

namespace bursar {

// REQUIRES: fen >= 0.
std::string CapitalYuan(int64_t fen);

// A money string written with thousands separators, as amounts in figures are
// on a Chinese page or document: "4200000.50" → "4,200,000.50", "-1500.00" →
// "-1,500.00". Digits after the point are kept as they are.
std::string GroupedMoney(const std::string& plain);

// "" when `iso` is not a date YYYY-MM-DD (the time of an RFC 3339 timestamp
// after the date is ignored).
std::string ChineseDate(const std::string& iso);

}  // namespace bursar
