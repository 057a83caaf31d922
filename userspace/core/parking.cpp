#include "core/parking.h"

namespace socktrace {

Parking::~Parking() {
  records_.for_each([](uint64_t, uint8_t*& rec) { delete[] rec; });
}

uint8_t* Parking::build(uint8_t mask, const std::span<const uint8_t>* parts) {
  writer_.byte(mask);
  for (int i = 0; i < kParts; ++i) {
    if (!(mask & (1u << i))) continue;
    writer_.u(parts[i].size());
    writer_.bytes(parts[i].data(), parts[i].size());
  }
  return writer_.take().release();  // new[]'d at its size
}

std::span<const uint8_t> Parking::part_of(const uint8_t* rec, Part part) {
  const uint8_t mask = rec[0];
  if (!(mask & (1u << part))) return {};
  PackReader r(rec + 1);
  for (int i = 0; i < kParts; ++i) {
    if (!(mask & (1u << i))) continue;
    std::size_t n = r.u();
    if (i == part) return {r.at(), n};
    r.skip(n);
  }
  return {};
}

std::span<const uint8_t> Parking::get(uint64_t cookie, Part part) const {
  uint8_t* const* rec = records_.find(cookie);
  return rec ? part_of(*rec, part) : std::span<const uint8_t>{};
}

bool Parking::has(uint64_t cookie, Part part) const {
  uint8_t* const* rec = records_.find(cookie);
  return rec && ((*rec)[0] & (1u << part));
}

void Parking::put(uint64_t cookie, Part part, std::span<const uint8_t> bytes) {
  uint8_t*& rec = records_[cookie];
  std::span<const uint8_t> parts[kParts];
  uint8_t mask = 0;
  if (rec) {
    mask = rec[0];
    for (int i = 0; i < kParts; ++i) parts[i] = part_of(rec, static_cast<Part>(i));
  }
  if (!(mask & (1u << part)) && part != kIdentity) ++counts_[part];
  mask |= static_cast<uint8_t>(1u << part);
  parts[part] = bytes;
  uint8_t* fresh = build(mask, parts);
  delete[] rec;
  rec = fresh;
}

SocketIdentity Parking::identity(uint64_t cookie, const SocketIdentity& mine) {
  if (std::optional<SocketIdentity> id = identity(cookie)) return *id;
  PackWriter w;
  pack_identity(w, mine);
  put(cookie, kIdentity, w.view());
  return mine;
}

std::optional<SocketIdentity> Parking::identity(uint64_t cookie) const {
  std::span<const uint8_t> bytes = get(cookie, kIdentity);
  if (bytes.empty()) return std::nullopt;
  PackReader r(bytes.data());
  return unpack_identity(r);
}

void Parking::erase(uint64_t cookie, Part part) {
  uint8_t** found = records_.find(cookie);
  if (!found || !((*found)[0] & (1u << part))) return;
  if (part != kIdentity) --counts_[part];
  uint8_t* rec = *found;
  const uint8_t mask = static_cast<uint8_t>(rec[0] & ~(1u << part));
  if ((mask & ~(1u << kIdentity)) == 0) {  // nothing left that shares it
    delete[] rec;
    records_.erase(cookie);
    return;
  }
  std::span<const uint8_t> parts[kParts];
  for (int i = 0; i < kParts; ++i)
    if (mask & (1u << i)) parts[i] = part_of(rec, static_cast<Part>(i));
  uint8_t* fresh = build(mask, parts);
  delete[] rec;
  *found = fresh;
}

}  // namespace socktrace
