#include "util/json.hpp"

#include <gtest/gtest.h>

namespace portico::util {
namespace {

TEST(JsonQuote, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_quote(std::string("\0\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(json_quote("\x7f/"), "\"\x7f/\"");  // DEL and '/' need no escape
  EXPECT_EQ(json_quote(""), "\"\"");
}

TEST(JsonQuote, ValidUtf8PassesThroughInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  const std::string replacement = "\xef\xbf\xbd";
  EXPECT_EQ(json_quote("\xff"), "\"" + replacement + "\"");
  EXPECT_EQ(json_quote("a\xc3"), "\"a" + replacement + "\"");                    // cut short
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"" + replacement + replacement + "\"");    // overlong '/'
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"" + replacement + replacement + replacement + "\"");  // a surrogate
  EXPECT_EQ(json_quote("\xf4\x90\x80\x80"), "\"" + replacement + replacement + replacement + replacement + "\"");
  EXPECT_EQ(json_quote("\xe2\x82x"), "\"" + replacement + replacement + "x\"");  // continuation missing
}

TEST(JsonWriter, CommasNestingAndScalars) {
  JsonWriter json;
  json.begin_object();
  json.key("s").value("x");
  json.key("n").value(std::uint64_t{18446744073709551615ULL});
  json.key("i").value(std::int64_t{-3});
  json.key("t").value(true).key("f").value(false).key("z").null();
  json.key("a").begin_array().value(1).value("two").begin_object().end_object().begin_array().end_array().end_array();
  json.key("o").begin_object().key("k\n").value("v").end_object();
  json.end_object();
  EXPECT_EQ(json.text(), "{\"s\":\"x\",\"n\":18446744073709551615,\"i\":-3,\"t\":true,\"f\":false,\"z\":null,"
                         "\"a\":[1,\"two\",{},[]],\"o\":{\"k\\n\":\"v\"}}");
}

TEST(JsonWriter, EmptyContainersAndTopLevelArray) {
  JsonWriter json;
  json.begin_array().end_array();
  EXPECT_EQ(json.text(), "[]");
  JsonWriter object;
  EXPECT_EQ(std::move(object.begin_object().end_object()).str(), "{}");
}

}  // namespace
}  // namespace portico::util
