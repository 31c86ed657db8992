#include "parse/decimal_text.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>

namespace kilp::parse {

namespace {

using Limbs = std::array<std::uint64_t, 4>;

// limbs = limbs * factor + addend. Callers keep the result below 10^76 < 2^256.
constexpr void multiply_add(Limbs& limbs, std::uint64_t factor, std::uint64_t addend) {
  unsigned __int128 carry = addend;
  for (std::uint64_t& limb : limbs) {
    const unsigned __int128 product = static_cast<unsigned __int128>(limb) * factor + carry;
    limb = static_cast<std::uint64_t>(product);
    carry = product >> 64;
  }
}

// limbs /= 10; returns the remainder.
std::uint64_t divide_by_ten(Limbs& limbs) {
  std::uint64_t remainder = 0;
  for (std::size_t i = limbs.size(); i-- > 0;) {
    const unsigned __int128 current = (static_cast<unsigned __int128>(remainder) << 64) | limbs[i];
    limbs[i] = static_cast<std::uint64_t>(current / 10);
    remainder = static_cast<std::uint64_t>(current % 10);
  }
  return remainder;
}

constexpr std::array<Limbs, kMaxDecimalPrecision + 1> make_powers_of_ten() {
  std::array<Limbs, kMaxDecimalPrecision + 1> powers{};
  powers[0] = {1, 0, 0, 0};
  for (std::size_t i = 1; i < powers.size(); ++i) {
    powers[i] = powers[i - 1];
    multiply_add(powers[i], 10, 0);
  }
  return powers;
}
constexpr std::array<Limbs, kMaxDecimalPrecision + 1> kPowersOfTen = make_powers_of_ten();

bool less_than(const Limbs& a, const Limbs& b) {
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

bool is_zero(const Limbs& limbs) {
  return (limbs[0] | limbs[1] | limbs[2] | limbs[3]) == 0;
}

// Digits pushed one at a time, folded into the limbs 19 at a time (10^19 < 2^64).
class DigitAccumulator {
 public:
  explicit DigitAccumulator(Limbs& limbs) : limbs_(limbs) {}
  void push(unsigned digit) {
    chunk_ = chunk_ * 10 + digit;
    if (++chunk_digits_ == 19) flush();
  }
  void flush() {
    if (chunk_digits_ == 0) return;
    multiply_add(limbs_, kPowersOfTen[chunk_digits_][0], chunk_);
    chunk_ = 0;
    chunk_digits_ = 0;
  }

 private:
  Limbs& limbs_;
  std::uint64_t chunk_ = 0;
  int chunk_digits_ = 0;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

const char* skip_digits(const char* p, const char* end) {
  while (p < end && is_digit(*p)) ++p;
  return p;
}

// The mantissa's digits (integer part then fraction, without the point) and the
// exponent: value = digits * 10^(exponent - fraction digits).
struct DecimalParts {
  std::string_view integer;
  std::string_view fraction;
  std::int64_t exponent = 0;
  bool negative = false;

  std::size_t size() const { return integer.size() + fraction.size(); }
  char operator[](std::size_t i) const {
    return i < integer.size() ? integer[i] : fraction[i - integer.size()];
  }
};

// Exponents are kept within this: any larger makes every non-zero value out of
// range, and zero is zero at any exponent.
constexpr std::int64_t kExponentLimit = 1'000'000;

bool split_parts(std::string_view text, DecimalSyntax syntax, DecimalParts& parts) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool lenient = syntax == DecimalSyntax::kText;
  if (p < end && *p == '-') {
    parts.negative = true;
    ++p;
  } else if (lenient && p < end && *p == '+') {
    ++p;
  }
  const char* const integer_end = skip_digits(p, end);
  parts.integer = std::string_view(p, static_cast<std::size_t>(integer_end - p));
  p = integer_end;
  bool has_point = false;
  if (p < end && *p == '.') {
    has_point = true;
    const char* const fraction_end = skip_digits(++p, end);
    parts.fraction = std::string_view(p, static_cast<std::size_t>(fraction_end - p));
    p = fraction_end;
  }
  if (lenient) {
    if (parts.size() == 0) return false;
  } else {
    if (parts.integer.empty() || (has_point && parts.fraction.empty())) return false;
    if (parts.integer.size() > 1 && parts.integer[0] == '0') return false;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative_exponent = false;
    if (p < end && (*p == '+' || *p == '-')) negative_exponent = *p++ == '-';
    const char* const digits_end = skip_digits(p, end);
    if (digits_end == p) return false;
    for (; p < digits_end; ++p) {
      parts.exponent = std::min(parts.exponent * 10 + (*p - '0'), kExponentLimit);
    }
    if (negative_exponent) parts.exponent = -parts.exponent;
  }
  return p == end;
}

}  // namespace

DecimalError parse_decimal(std::string_view text, DecimalSyntax syntax, DecimalTarget target,
                           DecimalValue& out) {
  DecimalParts parts;
  if (!split_parts(text, syntax, parts)) return DecimalError::kNotANumber;
  const std::size_t size = parts.size();
  std::size_t first = 0;  // the first significant digit
  while (first < size && parts[first] == '0') ++first;
  const std::int64_t significant = static_cast<std::int64_t>(size - first);
  const std::int64_t text_scale = static_cast<std::int64_t>(parts.fraction.size()) - parts.exponent;
  const std::int64_t scale =
      target.scale == kScaleFromText ? std::max<std::int64_t>(text_scale, 0) : target.scale;
  if (scale > kMaxDecimalPrecision) return DecimalError::kOutOfRange;
  // Digits kept from the text and zeros appended to reach the scale; the text's last
  // `dropped` digits must be zeros.
  const std::int64_t shift = scale - text_scale;
  const std::int64_t dropped = shift < 0 ? -shift : 0;
  const std::int64_t zeros = significant > 0 && shift > 0 ? shift : 0;
  const std::int64_t kept = std::max<std::int64_t>(significant - dropped, 0);
  for (std::int64_t i = std::max<std::int64_t>(static_cast<std::int64_t>(size) - dropped, 0);
       i < static_cast<std::int64_t>(size); ++i) {
    if (parts[static_cast<std::size_t>(i)] != '0') return DecimalError::kOutOfRange;
  }
  if (kept + zeros > target.precision) return DecimalError::kOutOfRange;

  out = DecimalValue{};
  out.scale = static_cast<int>(scale);
  out.negative = parts.negative && kept > 0;
  const auto last = first + static_cast<std::size_t>(kept);
  if (kept + zeros <= 19) {  // prices and quantities: one limb, no carries
    std::uint64_t value = 0;
    for (std::size_t i = first; i < last; ++i) value = value * 10 + (parts[i] - '0');
    out.magnitude[0] = value * kPowersOfTen[zeros][0];
    return DecimalError::kNone;
  }
  DigitAccumulator digits(out.magnitude);
  for (std::size_t i = first; i < last; ++i) digits.push(static_cast<unsigned>(parts[i] - '0'));
  for (std::int64_t i = 0; i < zeros; ++i) digits.push(0);
  digits.flush();
  return DecimalError::kNone;
}

std::size_t decimal_unscaled_bytes(const DecimalValue& value, unsigned char* out) {
  if ((value.magnitude[1] | value.magnitude[2] | value.magnitude[3]) == 0 &&
      value.magnitude[0] <= static_cast<std::uint64_t>(INT64_MAX)) {
    // Within 64 bits: the bytes a signed value needs, from its redundant sign bits.
    const auto magnitude = static_cast<std::int64_t>(value.magnitude[0]);
    const std::int64_t signed_value = value.negative ? -magnitude : magnitude;
    const auto bits = static_cast<std::uint64_t>(signed_value);
    const int sign_bits = std::countl_zero(signed_value < 0 ? ~bits : bits);  // >= 1
    const std::size_t length = static_cast<std::size_t>((64 - sign_bits) / 8 + 1);
    for (std::size_t i = 0; i < length; ++i) {
      out[i] = static_cast<unsigned char>(bits >> (8 * (length - 1 - i)));
    }
    return length;
  }
  Limbs twos = value.magnitude;
  if (value.negative) {
    for (std::uint64_t& limb : twos) limb = ~limb;
    for (std::uint64_t& limb : twos) {
      if (++limb != 0) break;
    }
  }
  unsigned char bytes[kMaxDecimalBytes];
  for (std::size_t i = 0; i < kMaxDecimalBytes; ++i) {
    bytes[kMaxDecimalBytes - 1 - i] = static_cast<unsigned char>(twos[i / 8] >> (8 * (i % 8)));
  }
  // A leading byte is redundant when it only repeats the sign of the byte after it.
  std::size_t start = 0;
  while (start + 1 < kMaxDecimalBytes &&
         ((bytes[start] == 0x00 && (bytes[start + 1] & 0x80) == 0) ||
          (bytes[start] == 0xFF && (bytes[start + 1] & 0x80) != 0))) {
    ++start;
  }
  std::memcpy(out, bytes + start, kMaxDecimalBytes - start);
  return kMaxDecimalBytes - start;
}

DecimalError decimal_from_unscaled_bytes(std::string_view bytes, int scale, DecimalValue& out) {
  if (bytes.empty()) return DecimalError::kNotANumber;
  const bool negative = (static_cast<unsigned char>(bytes[0]) & 0x80) != 0;
  const unsigned char extension = negative ? 0xFF : 0x00;
  // Sign-extension bytes beyond 32 carry nothing; any other byte does not fit.
  while (bytes.size() > kMaxDecimalBytes) {
    if (static_cast<unsigned char>(bytes[0]) != extension) return DecimalError::kOutOfRange;
    bytes.remove_prefix(1);
  }
  Limbs twos{};
  for (std::size_t i = 0; i < kMaxDecimalBytes; ++i) {
    const unsigned char byte =
        i < bytes.size() ? static_cast<unsigned char>(bytes[bytes.size() - 1 - i]) : extension;
    twos[i / 8] |= static_cast<std::uint64_t>(byte) << (8 * (i % 8));
  }
  if (negative) {
    for (std::uint64_t& limb : twos) limb = ~limb;
    for (std::uint64_t& limb : twos) {
      if (++limb != 0) break;
    }
  }
  out = DecimalValue{};
  out.magnitude = twos;
  out.scale = scale;
  out.negative = negative && !is_zero(twos);
  if (!less_than(out.magnitude, kPowersOfTen[kMaxDecimalPrecision])) {
    return DecimalError::kOutOfRange;
  }
  return DecimalError::kNone;
}

DecimalError rescale_decimal(DecimalValue& value, DecimalTarget target) {
  const int scale = target.scale == kScaleFromText ? std::max(value.scale, 0) : target.scale;
  if (scale > kMaxDecimalPrecision) return DecimalError::kOutOfRange;
  while (value.scale < scale) {
    if (!less_than(value.magnitude, kPowersOfTen[kMaxDecimalPrecision - 1])) {
      return DecimalError::kOutOfRange;
    }
    multiply_add(value.magnitude, 10, 0);
    ++value.scale;
  }
  while (value.scale > scale) {
    if (divide_by_ten(value.magnitude) != 0) return DecimalError::kOutOfRange;
    --value.scale;
  }
  if (!less_than(value.magnitude, kPowersOfTen[target.precision])) {
    return DecimalError::kOutOfRange;
  }
  return DecimalError::kNone;
}

}  // namespace kilp::parse
