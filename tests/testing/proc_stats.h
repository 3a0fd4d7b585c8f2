// What the benchmark and soak programs read about a process from /proc
// (Linux): memory, threads, CPU time and open descriptors.
#ifndef MAESN_TESTS_TESTING_PROC_STATS_H_
#define MAESN_TESTS_TESTING_PROC_STATS_H_

#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace maesn::testing {

// The whole content of a file ("" if it cannot be read).
inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The number on line `name` of /proc/<pid>/status ("VmRSS" and "VmHWM" are
// in kB, "Threads" a count); -1 if the process or the line is missing.
inline long ProcStatusNumber(pid_t pid, absl::string_view name) {
  std::istringstream status(
      ReadWholeFile(absl::StrCat("/proc/", pid, "/status")));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, name) || !absl::ConsumePrefix(&rest, ":")) {
      continue;
    }
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, " kB");
    long value = 0;
    return absl::SimpleAtoi(rest, &value) ? value : -1;
  }
  return -1;
}

// utime + stime of a whole process (all its threads, live and exited), in
// seconds; -1 if unknown.
inline double ProcessCpuSeconds(pid_t pid) {
  const std::string stat = ReadWholeFile(absl::StrCat("/proc/", pid, "/stat"));
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return -1;
  // Fields after "(comm)": 3=state ... 14=utime 15=stime.
  std::vector<std::string> fields =
      absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return -1;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Open file descriptors of `pid` (sockets included), -1 if unknown.
inline long OpenFds(pid_t pid) {
  std::error_code error;
  long n = 0;
  for (auto it = std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/fd"), error);
       !error && it != std::filesystem::directory_iterator();
       it.increment(error)) {
    ++n;
  }
  return error ? -1 : n;
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_PROC_STATS_H_
