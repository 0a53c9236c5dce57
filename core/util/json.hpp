#pragma once
// JsonWriter: builds one JSON text (RFC 8259) by appending, with commas and escaping done for the caller. No
// JSON library is among the dependencies, and the status socket and the commands' --json only ever write.
//
//   util::JsonWriter json;
//   json.begin_object();
//   json.key("role").value("hub");
//   json.key("relays").begin_array();  ...  json.end_array();
//   json.end_object();
//   std::string text = std::move(json).str();
//
// Strings: '"' and '\' are escaped, control characters (U+0000-U+001F) become \n, \t ... or \u00XX, valid UTF-8
// passes through unchanged, and each byte of an invalid UTF-8 sequence becomes U+FFFD, so the text is valid JSON
// whatever bytes a peer put in a name. Misuse (a value where a key is due, unbalanced ends) is a programmer error:
// an assertion in debug builds.
//
// Thread safety: none.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portico::util {

// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();

  const std::string& text() const { return out_; }
  std::string str() && { return std::move(out_); }

 private:
  void before_value();

  struct Level {
    bool object = false;
    bool first = true;
    bool key_written = false;
  };
  std::string out_;
  std::vector<Level> levels_;
};

}  // namespace portico::util
