#pragma once
// Starting a Parley server for --quick: a child process on a free port with a temporary SQLite store.
// Thread safety: one ServerProc per caller thread.
#include <string>
#include <sys/types.h>

namespace bench {

class ServerProc {
 public:
  // Starts `binary serve --listen 127.0.0.1:0 --store sqlite:<tmp>/parley.db --rate-limit 0 …` and waits for
  // its "parley listening on http://…" line. Throws std::runtime_error if it does not come up.
  explicit ServerProc(const std::string& binary);
  // Stops the server (SIGTERM, then SIGKILL) and removes the temporary directory.
  ~ServerProc();
  std::string url() const { return url_; }
  pid_t pid() const { return pid_; }
  // True while the process runs.
  bool alive() const;

 private:
  pid_t pid_ = -1;
  std::string dir_, url_;
};

}  // namespace bench
