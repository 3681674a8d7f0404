#include "server_proc.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace bench {

ServerProc::ServerProc(const std::string& binary) {
  char tmpl[] = "/tmp/parley-bench-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    std::string store = "sqlite:" + dir_ + "/parley.db";
    execl(binary.c_str(), binary.c_str(), "serve", "--listen", "127.0.0.1:0", "--store", store.c_str(),
          "--rate-limit", "0", "--threads", "1", "--jwt-secret", "parley-bench-quick-secret-0123456789abcdef",
          // A load generator registers and connects many users from one address: the abuse limits are off.
          "--handshakes-per-second-per-address", "0", "--registrations-per-minute", "0",
          "--login-failures-per-minute", "0", "--event-rate", "0", "--max-connections-per-user", "0",
          static_cast<char*>(nullptr));
    std::fprintf(stderr, "parley-bench: cannot run %s\n", binary.c_str());
    _exit(127);
  }
  close(out[1]);
  FILE* f = fdopen(out[0], "r");
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    std::string s(line);
    auto pos = s.find("listening on ");
    if (pos != std::string::npos) {
      url_ = s.substr(pos + 13);
      while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
      break;
    }
  }
  // Keep draining the server's stdout so it never blocks on a full pipe.
  std::thread([f] {
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) {
    }
    std::fclose(f);
  }).detach();
  if (url_.empty()) throw std::runtime_error("the server " + binary + " did not start");
}

bool ServerProc::alive() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

ServerProc::~ServerProc() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace bench
