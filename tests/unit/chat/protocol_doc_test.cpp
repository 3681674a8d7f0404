// docs/protocol.md is the client author's reference: its table of client events must list exactly the events
// Node answers. (tests/e2e/protocol-doc.test.mjs checks the other half against the running binary: every event
// the doc lists is answered, never as unknown.)
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chat/node.hpp"

namespace parley::chat {
namespace {

// The event names of the rows ("| `name` | ...") of the table under the heading that contains `heading`,
// up to the next heading.
std::vector<std::string> table_events(const std::string& path, const std::string& heading) {
  std::ifstream in(path);
  std::vector<std::string> events;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) {
      inside = line.find(heading) != std::string::npos;
      continue;
    }
    if (!inside || !line.starts_with("| `")) continue;
    auto end = line.find('`', 3);
    if (end != std::string::npos) events.push_back(line.substr(3, end - 3));
  }
  return events;
}

TEST(ProtocolDoc, ListsExactlyTheClientEventsTheNodeAnswers) {
  const std::string path = std::string(PARLEY_SOURCE_DIR) + "/docs/protocol.md";
  std::vector<std::string> documented = table_events(path, "Events: client → server");
  ASSERT_FALSE(documented.empty()) << "no event table found in " << path;

  std::vector<std::string> served;
  for (std::string_view name : Node::client_events()) served.emplace_back(name);

  std::sort(documented.begin(), documented.end());
  std::sort(served.begin(), served.end());
  std::vector<std::string> undocumented, unserved;
  std::set_difference(served.begin(), served.end(), documented.begin(), documented.end(),
                      std::back_inserter(undocumented));
  std::set_difference(documented.begin(), documented.end(), served.begin(), served.end(),
                      std::back_inserter(unserved));
  auto join = [](const std::vector<std::string>& names) {
    std::ostringstream out;
    for (const auto& n : names) out << n << ' ';
    return out.str();
  };
  EXPECT_TRUE(undocumented.empty()) << "served but missing from " << path << ": " << join(undocumented);
  EXPECT_TRUE(unserved.empty()) << "documented in " << path << " but not served: " << join(unserved);
}

}  // namespace
}  // namespace parley::chat
