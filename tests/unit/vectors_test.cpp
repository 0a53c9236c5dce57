#include "wire/message_codec.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wire/frame.hpp"

// Reads the text vectors in tests/vectors (format: tests/vectors/README.md) and checks the codec against them.

namespace portico::wire {
namespace {

struct Vector {
  std::string kind;  // "message", "malformed" or "stream"
  std::string name;
  std::string where;  // file:line, for failure messages
  std::map<std::string, std::vector<std::string>> fields;

  std::optional<std::string> one(const std::string& key) const {
    auto it = fields.find(key);
    if (it == fields.end() || it->second.size() != 1) return std::nullopt;
    return it->second.front();
  }
};

void PrintTo(const Vector& v, std::ostream* os) { *os << v.kind << ' ' << v.name << " (" << v.where << ')'; }

struct Corpus {
  std::vector<Vector> vectors;
  std::vector<std::string> problems;  // anything that did not parse; the Vectors.FilesParse test reports them
};

std::optional<Bytes> parse_hex(std::string_view text) {
  if (text == "-") return Bytes{};
  std::string digits;
  for (char c : text) {
    if (c != ' ' && c != '\t') digits += c;
  }
  if (digits.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int hi = nibble(digits[i]);
    const int lo = nibble(digits[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

std::optional<Route> parse_route_text(const std::string& text) {
  if (text == "-") return Route{};
  auto route = parse_route(text);
  if (!route) return std::nullopt;
  return *route;
}

std::optional<Error> parse_error(std::string_view name) {
  static const std::map<std::string_view, Error> kNames{
      {"truncated", Error::truncated},
      {"varint_overlong", Error::varint_overlong},
      {"varint_overflow", Error::varint_overflow},
      {"bad_version", Error::bad_version},
      {"too_many_hops", Error::too_many_hops},
      {"address_too_long", Error::address_too_long},
      {"payload_too_large", Error::payload_too_large},
      {"trailing_bytes", Error::trailing_bytes},
      {"frame_too_large", Error::frame_too_large},
      {"frame_empty", Error::frame_empty},
      {"bad_preamble", Error::bad_preamble},
      {"bad_transport_version", Error::bad_transport_version},
  };
  auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

// Checks one vector's keys and values; returns what is wrong with it, or nothing.
std::optional<std::string> validate(const Vector& v) {
  static const std::map<std::string, std::set<std::string>> kKeys{
      {"message", {"onward", "return", "payload", "bytes"}},
      {"malformed", {"input", "error"}},
      {"stream", {"input", "frame", "error", "buffered"}},
  };
  const auto& allowed = kKeys.at(v.kind);
  for (const auto& [key, values] : v.fields) {
    if (allowed.count(key) == 0) return "unknown key '" + key + "'";
    if (key != "frame" && values.size() != 1) return "key '" + key + "' given more than once";
    for (const std::string& value : values) {
      if (key == "onward" || key == "return") {
        if (!parse_route_text(value)) return "bad route '" + value + "'";
      } else if (key == "error") {
        if (!parse_error(value)) return "unknown error name '" + value + "'";
      } else if (key == "buffered") {
        if (value.empty() || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
          return "bad count '" + value + "'";
      } else if (!parse_hex(value)) {
        return "bad hex for '" + key + "'";
      }
    }
  }
  std::vector<std::string> required;
  if (v.kind == "message") required = {"onward", "return", "payload", "bytes"};
  if (v.kind == "malformed") required = {"input", "error"};
  if (v.kind == "stream") required = {"input"};
  for (const std::string& key : required) {
    if (v.fields.count(key) == 0) return "missing key '" + key + "'";
  }
  if (v.fields.count("error") != 0 && v.fields.count("buffered") != 0) return "both 'error' and 'buffered'";
  return std::nullopt;
}

void load_file(const std::filesystem::path& path, Corpus& corpus) {
  std::ifstream in(path);
  std::string line;
  int number = 0;
  std::optional<Vector> current;
  auto finish = [&] {
    if (!current) return;
    if (auto problem = validate(*current)) {
      corpus.problems.push_back(current->where + ": " + current->name + ": " + *problem);
    } else {
      corpus.vectors.push_back(std::move(*current));
    }
    current.reset();
  };
  while (std::getline(in, line)) {
    ++number;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    const std::string where = path.filename().string() + ":" + std::to_string(number);
    if (key == "message" || key == "malformed" || key == "stream") {
      finish();
      current = Vector{key, value, where, {}};
    } else if (!current) {
      corpus.problems.push_back(where + ": '" + key + "' before any vector");
    } else {
      current->fields[key].push_back(value);
    }
  }
  finish();
}

const Corpus& corpus() {
  static const Corpus loaded = [] {
    Corpus c;
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(PORTICO_VECTORS_DIR, ec)) {
      if (entry.path().extension() == ".txt") files.push_back(entry.path());
    }
    if (ec) c.problems.push_back(std::string("cannot read ") + PORTICO_VECTORS_DIR + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) load_file(file, c);
    return c;
  }();
  return loaded;
}

std::vector<Vector> of_kind(const std::string& kind) {
  std::vector<Vector> out;
  for (const Vector& v : corpus().vectors) {
    if (v.kind == kind) out.push_back(v);
  }
  return out;
}

std::string vector_name(const testing::TestParamInfo<Vector>& info) { return info.param.name; }

Bytes hex(const Vector& v, const std::string& key) { return *parse_hex(*v.one(key)); }

TEST(Vectors, FilesParse) {
  const Corpus& c = corpus();
  for (const std::string& problem : c.problems) ADD_FAILURE() << problem;
  std::map<std::string, std::set<std::string>> names;
  for (const Vector& v : c.vectors) {
    EXPECT_TRUE(names[v.kind].insert(v.name).second) << "duplicate " << v.kind << " name " << v.name;
    EXPECT_FALSE(v.name.empty() || !std::all_of(v.name.begin(), v.name.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    })) << "vector names are [A-Za-z0-9_]+: '" << v.name << "' at " << v.where;
  }
  EXPECT_GE(names["message"].size(), 5u);
  EXPECT_GE(names["malformed"].size(), 12u);
  EXPECT_GE(names["stream"].size(), 8u);
}

TEST(Vectors, MalformedVectorsCoverEveryMessageError) {
  std::set<std::string> seen;
  for (const Vector& v : of_kind("malformed")) seen.insert(*v.one("error"));
  for (const char* name : {"truncated", "varint_overlong", "varint_overflow", "bad_version", "too_many_hops",
                           "address_too_long", "payload_too_large", "trailing_bytes"}) {
    EXPECT_EQ(seen.count(name), 1u) << "no malformed vector for " << name;
  }
  seen.clear();
  for (const Vector& v : of_kind("stream")) {
    if (auto e = v.one("error")) seen.insert(*e);
  }
  for (const char* name : {"frame_too_large", "frame_empty", "bad_preamble", "bad_transport_version"}) {
    EXPECT_EQ(seen.count(name), 1u) << "no stream vector for " << name;
  }
}

class MessageVector : public testing::TestWithParam<Vector> {};

TEST_P(MessageVector, EncodesToTheBytesAndDecodesBack) {
  const Vector& v = GetParam();
  const Message message{*parse_route_text(*v.one("onward")), *parse_route_text(*v.one("return")),
                        hex(v, "payload")};
  const Bytes bytes = hex(v, "bytes");

  auto encoded = encode_message(message);
  ASSERT_TRUE(encoded) << encoded.error().message();
  EXPECT_EQ(*encoded, bytes);

  auto decoded = decode_message(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, message);

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(decode_message(prefix).error(), Error::truncated) << "prefix of " << n << " bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, MessageVector, testing::ValuesIn(of_kind("message")), vector_name);

class MalformedVector : public testing::TestWithParam<Vector> {};

TEST_P(MalformedVector, FailsWithItsError) {
  const Vector& v = GetParam();
  const Bytes input = hex(v, "input");
  const Error expected = *parse_error(*v.one("error"));
  auto decoded = decode_message(input);
  ASSERT_FALSE(decoded) << "decoded a malformed input";
  EXPECT_EQ(decoded.error(), expected) << "got " << decoded.error().message() << ", want "
                                       << std::error_code(expected).message();
}

INSTANTIATE_TEST_SUITE_P(Vectors, MalformedVector, testing::ValuesIn(of_kind("malformed")), vector_name);

struct StreamOutcome {
  std::vector<Bytes> frames;
  std::error_code error;
  std::size_t buffered = 0;
};

StreamOutcome feed(const Bytes& input, std::size_t chunk) {
  FrameDecoder decoder;
  StreamOutcome out;
  for (std::size_t pos = 0; pos < input.size() && !out.error;) {
    const auto room = decoder.prepare();
    const std::size_t n = std::min({chunk, room.size(), input.size() - pos});
    std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(pos), n, room.begin());
    decoder.commit(n);
    pos += n;
    for (;;) {
      auto frame = decoder.next();
      if (!frame) {
        out.error = frame.error();
        break;
      }
      if (!*frame) break;
      out.frames.emplace_back((*frame)->begin(), (*frame)->end());
    }
  }
  out.buffered = decoder.buffered();
  return out;
}

class StreamVector : public testing::TestWithParam<Vector> {};

TEST_P(StreamVector, DecodesToItsFramesInOnePieceAndByteByByte) {
  const Vector& v = GetParam();
  const Bytes input = hex(v, "input");
  std::vector<Bytes> frames;
  if (auto it = v.fields.find("frame"); it != v.fields.end()) {
    for (const std::string& f : it->second) frames.push_back(*parse_hex(f));
  }
  const auto error_name = v.one("error");
  const std::error_code error = error_name ? std::error_code(*parse_error(*error_name)) : std::error_code{};
  const auto buffered_text = v.one("buffered");
  const std::size_t buffered = buffered_text ? std::stoul(*buffered_text) : 0;

  for (std::size_t chunk : {std::max<std::size_t>(input.size(), 1), std::size_t{1}}) {
    SCOPED_TRACE(chunk == 1 ? "byte by byte" : "one piece");
    const StreamOutcome out = feed(input, chunk);
    EXPECT_EQ(out.frames, frames);
    EXPECT_EQ(out.error, error) << out.error.message();
    if (!error) {
      EXPECT_EQ(out.buffered, buffered);
    }
  }

  Bytes reencoded = preamble();
  for (const Bytes& body : frames) {
    auto message = decode_message(body);
    ASSERT_TRUE(message) << "frame bodies in vectors are routing messages: " << message.error().message();
    EXPECT_EQ(*encode_message(*message), body);
    ASSERT_FALSE(append_frame(*message, reencoded));
  }
  if (!error && buffered == 0) {
    EXPECT_EQ(reencoded, input) << "a complete stream is the preamble followed by its frames";
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, StreamVector, testing::ValuesIn(of_kind("stream")), vector_name);

}  // namespace
}  // namespace portico::wire
