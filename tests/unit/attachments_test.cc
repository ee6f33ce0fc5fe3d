// What a file is by its content, and what a file may be named
// (store/attachments.h): no database here; the store's side is in
// store_conformance_test.cc and store_seal_test.cc.
#include "store/attachments.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bursar::store {
namespace {

void Put16(std::string* s, uint32_t v) {
  s->push_back(static_cast<char>(v & 0xFF));
  s->push_back(static_cast<char>((v >> 8) & 0xFF));
}
void Put32(std::string* s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}

// A ZIP archive of empty stored entries with these names, as a minimal
// Office package is laid out: local headers, the central directory, the end
// record (and an optional comment after it).
std::string Zip(const std::vector<std::string>& names, const std::string& comment = "") {
  std::string out, directory;
  for (const std::string& name : names) {
    const auto at = static_cast<uint32_t>(out.size());
    Put32(&out, 0x04034b50);
    for (int i = 0; i < 11; ++i) Put16(&out, 0);  // version .. uncompressed size (22 bytes)
    Put16(&out, static_cast<uint32_t>(name.size()));
    Put16(&out, 0);
    out += name;
    Put32(&directory, 0x02014b50);
    for (int i = 0; i < 12; ++i) Put16(&directory, 0);  // versions .. sizes (24 bytes)
    Put16(&directory, static_cast<uint32_t>(name.size()));
    Put16(&directory, 0);  // extra
    Put16(&directory, 0);  // comment
    Put16(&directory, 0);  // disk
    Put16(&directory, 0);  // internal attributes
    Put32(&directory, 0);  // external attributes
    Put32(&directory, at);
    directory += name;
  }
  const auto directory_at = static_cast<uint32_t>(out.size());
  out += directory;
  Put32(&out, 0x06054b50);
  Put16(&out, 0);
  Put16(&out, 0);
  Put16(&out, static_cast<uint32_t>(names.size()));
  Put16(&out, static_cast<uint32_t>(names.size()));
  Put32(&out, static_cast<uint32_t>(directory.size()));
  Put32(&out, directory_at);
  Put16(&out, static_cast<uint32_t>(comment.size()));
  return out + comment;
}

std::string Docx() { return Zip({"[Content_Types].xml", "_rels/.rels", "word/document.xml"}); }

const std::string kPdf = "%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n";
const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
const std::string kJpeg = "\xFF\xD8\xFF\xE0\0\x10JFIF";

TEST(AttachmentType, TheContentDecidesAndTheExtensionMustAgree) {
  EXPECT_EQ(AttachmentContentType("合同.pdf", kPdf).value(), "application/pdf");
  EXPECT_EQ(AttachmentContentType("SCAN.PDF", kPdf).value(), "application/pdf");
  EXPECT_EQ(AttachmentContentType("证书.png", kPng).value(), "image/png");
  EXPECT_EQ(AttachmentContentType("photo.jpg", kJpeg).value(), "image/jpeg");
  EXPECT_EQ(AttachmentContentType("photo.JPEG", kJpeg).value(), "image/jpeg");
  EXPECT_EQ(AttachmentContentType("说明.docx", Docx()).value(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(AttachmentContentType("交易.xlsx", Zip({"[Content_Types].xml", "xl/workbook.xml"})).value(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(AttachmentContentType("汇报.pptx", Zip({"[Content_Types].xml", "ppt/presentation.xml"}, "a comment")).value(),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation");

  // A PNG named .pdf, a PDF named .docx, a name without an extension: the
  // name must say what the content is.
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"合同.pdf", kPng}, {"合同.docx", kPdf}, {"合同", kPdf}, {"x.xlsx", Docx()}}) {
    auto t = AttachmentContentType(name, bytes);
    ASSERT_FALSE(t.ok()) << name;
    EXPECT_EQ(t.status().field(), "filename") << name;
  }
  EXPECT_NE(AttachmentContentType("合同.pdf", kPng).status().message().find("image/png, to be named with .png"),
            std::string::npos);
}

TEST(AttachmentType, WhatIsNotAcceptedIsRefusedSayingWhatItIs) {
  auto refused = [](const std::string& name, const std::string& bytes) {
    auto t = AttachmentContentType(name, bytes);
    EXPECT_FALSE(t.ok()) << name;
    EXPECT_EQ(t.status().field(), "content") << name;
    return t.ok() ? std::string() : t.status().message();
  };
  EXPECT_NE(refused("a.pdf", "").find("empty"), std::string::npos);
  EXPECT_NE(refused("a.html", "<html><script>alert(1)</script>").find("no accepted kind"), std::string::npos);
  EXPECT_NE(refused("a.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").find("no accepted kind"),
            std::string::npos);
  EXPECT_NE(refused("a.exe", "MZ\x90\0").find("no accepted kind"), std::string::npos);
  EXPECT_NE(refused("a.doc", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + std::string(504, '\0')).find("legacy Office"),
            std::string::npos);
  // Macros ride in vbaProject.bin, whatever the extension says.
  EXPECT_NE(refused("a.docx", Zip({"[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"})).find("macros"),
            std::string::npos);
  EXPECT_NE(refused("a.docx", Zip({"readme.txt", "word/document.xml"})).find("not an Office document"),
            std::string::npos);
  // A damaged archive: cut short, its directory pointing past the file, or
  // the end record claiming a comment it does not have.
  const std::string docx = Docx();
  EXPECT_NE(refused("a.docx", docx.substr(0, docx.size() - 1)).find("damaged"), std::string::npos);
  std::string past = docx;
  past[past.size() - 3] = '\x7F';  // the directory's offset: its high byte
  EXPECT_NE(refused("a.docx", past).find("damaged"), std::string::npos);
  EXPECT_NE(refused("a.docx", docx + "x").find("damaged"), std::string::npos);
}

// Every cut of a valid package, and every single byte changed in its
// directory, is either the document or refused: the reader never reads
// outside the file (the sanitizer build checks each).
TEST(AttachmentType, NoCutOrCorruptionOfAPackageIsReadOutsideIt) {
  const std::string docx = Docx();
  for (size_t n = 0; n <= docx.size(); ++n) {
    auto t = AttachmentContentType("a.docx", docx.substr(0, n));
    if (t.ok()) {
      EXPECT_EQ(n, docx.size());
    }
  }
  for (size_t i = 0; i < docx.size(); ++i) {
    for (char v : {'\x00', '\x01', '\x7F', '\xFF'}) {
      std::string bad = docx;
      bad[i] = v;
      (void)AttachmentContentType("a.docx", bad);
    }
  }
}

TEST(AttachmentName, ANameNotAPath) {
  EXPECT_EQ(CheckAttachmentName("  营业执照 副本.pdf ").value(), "营业执照 副本.pdf");
  EXPECT_EQ(CheckAttachmentName(std::string(251, 'a') + ".pdf").value().size(), 255u);
  for (const std::string& bad : std::vector<std::string>{"", "   ", "../etc/passwd.pdf", "a/b.pdf", "a\\b.pdf", "a\nb.pdf",
                                std::string("a\0b.pdf", 7), ".hidden.pdf", "\xC3(.pdf", std::string(252, 'a') + ".pdf"}) {
    auto n = CheckAttachmentName(bad);
    EXPECT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.status().field(), "filename") << bad;
  }
}

}  // namespace
}  // namespace bursar::store
