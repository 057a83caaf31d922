// Addresses and endpoints as ss prints them.

#include "core/net_format.h"

#include <sys/socket.h>

#include <initializer_list>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

Address make_address(uint16_t family, std::initializer_list<uint8_t> bytes) {
  Address a;
  a.family = family;
  std::size_t i = 0;
  for (uint8_t b : bytes) a.bytes[i++] = b;
  return a;
}

TEST(FormatIp, Ipv4) {
  Address a = make_address(AF_INET, {127, 0, 0, 1});
  EXPECT_EQ(format_ip(a), "127.0.0.1");
  EXPECT_EQ(format_endpoint(a, 80), "127.0.0.1:80");
  EXPECT_EQ(format_endpoint(make_address(AF_INET, {10, 1, 2, 3}), 65535), "10.1.2.3:65535");
  EXPECT_EQ(format_endpoint(make_address(AF_INET, {0, 0, 0, 0}), 0), "0.0.0.0:0");
  EXPECT_EQ(format_ip(make_address(AF_INET, {255, 255, 255, 255})), "255.255.255.255");
  EXPECT_EQ(format_ip(make_address(AF_INET, {100, 200, 0, 9})), "100.200.0.9");
  EXPECT_EQ(format_ip(make_address(AF_INET, {99, 10, 101, 110})), "99.10.101.110");
}

TEST(FormatIp, Ipv4IgnoresBytesAfterTheFirstFour) {
  Address a = make_address(AF_INET, {192, 168, 1, 20, 0xde, 0xad, 0xbe, 0xef});
  EXPECT_EQ(format_ip(a), "192.168.1.20");
}

TEST(FormatIp, Ipv6) {
  Address loopback = make_address(AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_EQ(format_ip(loopback), "::1");
  EXPECT_EQ(format_endpoint(loopback, 80), "[::1]:80");

  Address doc = make_address(AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
  EXPECT_EQ(format_endpoint(doc, 443), "[2001:db8::1]:443");

  Address any = make_address(AF_INET6, {});
  EXPECT_EQ(format_endpoint(any, 0), "[::]:0");
}

TEST(FormatIp, Ipv4MappedIpv6) {
  Address a = make_address(AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1});
  EXPECT_EQ(format_ip(a), "::ffff:127.0.0.1");
  EXPECT_EQ(format_endpoint(a, 8080), "[::ffff:127.0.0.1]:8080");
}

TEST(FormatIp, UnknownFamilySaysSo) {
  Address a = make_address(99, {1, 2, 3, 4});
  EXPECT_EQ(format_ip(a), "<family 99>");
  EXPECT_EQ(format_endpoint(a, 80), "<family 99>:80");
  EXPECT_EQ(format_ip(Address{}), "<family 0>");
}

TEST(FamilyVersion, FourSixOrZero) {
  EXPECT_EQ(family_version(AF_INET), 4);
  EXPECT_EQ(family_version(AF_INET6), 6);
  EXPECT_EQ(family_version(0), 0);
  EXPECT_EQ(family_version(AF_UNIX), 0);
  EXPECT_EQ(family_version(99), 0);
}

}  // namespace
}  // namespace socktrace
