#pragma once
// For fuzz targets that round-trip JSON: equal values, except that numbers need only both be numbers
// (Boost.JSON before 1.83 parses doubles imprecisely, so 6.666666666666667E94 may come back as
// 6.6666666666666666E94).
#include <boost/json.hpp>

inline bool same_shape(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return true;
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!same_shape(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      auto* other = y.if_contains(kv.key());
      if (!other || !same_shape(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}
