#pragma once
// A minimal, strict JSON reader for test data (the Noise vector files): no JSON library is among our
// dependencies, and this subset is all the vectors need. Throws std::runtime_error (with the offset) on any
// input outside it.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace portico::channel::testing_support {

// Objects, arrays, strings (escapes \" \\ \/ \b \f \n \r \t), true, false, null. Numbers and \u escapes are
// refused as unsupported (the vector files have neither); so are duplicate keys, control characters in strings,
// nesting deeper than kMaxDepth and anything after the document.
struct Json {
  enum class Kind { null, boolean, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  std::string string;
  std::vector<Json> array;
  std::vector<std::string> keys;  // an object: keys[i] names values[i]
  std::vector<Json> values;

  const Json* find(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return &values[i];
    }
    return nullptr;
  }
};

class JsonReader {
 public:
  static constexpr int kMaxDepth = 16;

  static Json parse(std::string_view text) {
    JsonReader reader(text);
    Json document = reader.value(0);
    reader.skip_space();
    if (reader.pos_ != text.size()) reader.fail("trailing characters after the document");
    return document;
  }

 private:
  explicit JsonReader(std::string_view text) : text_(text) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(pos_));
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  char peek() {
    skip_space();
    if (pos_ == text_.size()) fail("unexpected end of input");
    return text_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Json value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    Json out;
    const char c = peek();
    if (c == '{') {
      out.kind = Json::Kind::object;
      ++pos_;
      if (peek() == '}') {
        ++pos_;
        return out;
      }
      while (true) {
        if (peek() != '"') fail("expected a string key");
        std::string key = string();
        if (out.find(key) != nullptr) fail("duplicate key \"" + key + "\"");
        expect(':');
        out.values.push_back(value(depth + 1));
        out.keys.push_back(std::move(key));
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return out;
      }
    }
    if (c == '[') {
      out.kind = Json::Kind::array;
      ++pos_;
      if (peek() == ']') {
        ++pos_;
        return out;
      }
      while (true) {
        out.array.push_back(value(depth + 1));
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return out;
      }
    }
    if (c == '"') {
      out.kind = Json::Kind::string;
      out.string = string();
      return out;
    }
    if (literal("true")) {
      out.kind = Json::Kind::boolean;
      out.boolean = true;
      return out;
    }
    if (literal("false")) {
      out.kind = Json::Kind::boolean;
      return out;
    }
    if (literal("null")) return out;
    fail("unsupported or malformed value");
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ == text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ == text_.size()) fail("unterminated escape");
      switch (text_[pos_++]) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        default: fail("unsupported escape");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace portico::channel::testing_support
