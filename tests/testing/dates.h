#ifndef MAESN_TESTS_TESTING_DATES_H_
#define MAESN_TESTS_TESTING_DATES_H_

#include <cstdint>

#include "google/type/date.pb.h"

namespace maesn::testing {

inline google::type::Date MakeDate(int year, int month, int day) {
  google::type::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

// YYYYMMDD: orders calendar dates as numbers.
inline std::int64_t DateKey(const google::type::Date& d) {
  return d.year() * 10000LL + d.month() * 100LL + d.day();
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_DATES_H_
