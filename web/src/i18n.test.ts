import { describe, expect, it } from "vitest";
import { messages } from "./i18n";

// Chinese kept on purpose in English strings: the language switch's own
// label, and terms given in Chinese beside their translation.
const KEPT = ["中文", "免申即享"];
const CJK = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/;

describe("messages", () => {
  it("every English string is English and every string is filled in both", () => {
    const untranslated: string[] = [];
    for (const [key, en] of Object.entries(messages.en)) {
      const zh = messages.zh[key as keyof typeof messages.zh];
      if (!zh.trim() || !en.trim()) untranslated.push(`${key}: empty`);
      let rest = en;
      for (const k of KEPT) rest = rest.split(k).join("");
      if (CJK.test(rest)) untranslated.push(`${key}: ${en}`);
    }
    expect(untranslated).toEqual([]);
  });
  it("both languages use the same {placeholders}", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differ = Object.keys(messages.zh).filter((k) => {
      const key = k as keyof typeof messages.zh;
      return names(messages.zh[key]).join() !== names(messages.en[key]).join();
    });
    expect(differ).toEqual([]);
  });
});
