// Fuzz target: the sync message decoder must reject any input with a WireError and never
// crash, hang or leak. Input layout: [4-byte header][body].
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sync/wire.hpp"

// Declared first: the libFuzzer entry point has no header.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view header = in.substr(0, 4);
  const std::string_view body = size > 4 ? in.substr(4) : std::string_view();
  try {
    honbu::sync::Message m = honbu::sync::decode(header, body);
    // Whatever decodes must encode and decode again to the same message type.
    const honbu::sync::Frames f = honbu::sync::encode(m);
    const honbu::sync::Message again = honbu::sync::decode(f.header, f.body);
    if (again.index() != m.index()) __builtin_trap();
  } catch (const honbu::sync::WireError&) {
  }
  try {
    (void)honbu::sync::decode_op_json(in, "ACTUAL");
  } catch (const honbu::sync::WireError&) {
  }
  return 0;
}
