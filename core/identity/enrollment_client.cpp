#include "identity/enrollment_client.hpp"

#include <asio/this_coro.hpp>

#include "identity/enrollment_messages.hpp"
#include "routing/workers.hpp"

namespace portico::identity {
namespace {

class EnrollmentCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.enrollment"; }
  std::string message(int value) const override {
    switch (static_cast<EnrollmentError>(value)) {
      case EnrollmentError::refused: return "the hub refused enrollment";
      case EnrollmentError::no_answer: return "no answer from the hub's enrollment worker";
      case EnrollmentError::busy: return "an enrollment request is already in progress";
      case EnrollmentError::bad_answer: return "malformed answer from the hub's enrollment worker";
    }
    return "unknown enrollment error";
  }
};

// The answers that can be queued before the first is taken; one is expected, the rest are strays.
constexpr std::size_t kInboxCapacity = 4;

// Keeps the temporary worker registered for exactly as long as the request.
class Registration {
 public:
  Registration(Router& router, Address address) : router_(router), address_(std::move(address)) {}
  ~Registration() { router_.unregister_worker(address_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Router& router_;
  Address address_;
};

Result<Credential> read_answer(const Message& answer, std::string* refusal) {
  auto decoded = decode_enrollment_message(answer.payload);
  if (!decoded) return EnrollmentError::bad_answer;
  if (const auto* enrolled = std::get_if<Enrolled>(&*decoded)) {
    auto credential = decode_credential(enrolled->credential);
    if (!credential) return EnrollmentError::bad_answer;
    return std::move(*credential);
  }
  if (const auto* refused = std::get_if<EnrollRefused>(&*decoded)) {
    if (refusal != nullptr) *refusal = refused->reason;
    return EnrollmentError::refused;
  }
  return EnrollmentError::bad_answer;  // a request sent to us
}

}  // namespace

const std::error_category& enrollment_category() {
  static const EnrollmentCategory category;
  return category;
}

asio::awaitable<Result<Credential>> request_credential(Router& router, Route to_enroll_worker,
                                                       std::optional<TokenSecret> token,
                                                       std::chrono::milliseconds timeout, std::string* refusal) {
  const Address self = Address::local(std::string(kEnrollClientAddress));
  auto inbox = std::make_shared<Inbox>(co_await asio::this_coro::executor, kInboxCapacity);
  if (!router.register_worker(self, inbox)) co_return EnrollmentError::busy;
  const Registration registration(router, self);

  const EnrollmentMessage request = token ? EnrollmentMessage{EnrollRequest{*token}} : RefreshRequest{};
  Message message{std::move(to_enroll_worker), Route(1, self), encode(request)};
  if (const std::error_code error = co_await router.send(std::move(message))) co_return error;
  auto answer = co_await inbox->receive(timeout);
  if (!answer) co_return EnrollmentError::no_answer;
  co_return read_answer(*answer, refusal);
}

}  // namespace portico::identity
