#include "tests/integration/harness/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace desaster::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/desaster-test-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error(std::string("mkdtemp: ") + strerror(errno));
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {
bool port_free(std::uint16_t port, int type) {
  int fd = ::socket(AF_INET, type, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

std::uint16_t free_port_triplet() {
  std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  for (int tries = 0; tries < 1000; ++tries) {
    auto port = static_cast<std::uint16_t>(20000 + rng() % 20000);
    if (port_free(port, SOCK_STREAM) && port_free(port + 1, SOCK_STREAM) &&
        port_free(port + 2, SOCK_STREAM) && port_free(port, SOCK_DGRAM)) {
      return port;
    }
  }
  throw std::runtime_error("no free port triplet found");
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return cond();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

NodeProcess::NodeProcess(std::string data_dir, std::uint16_t port,
                         std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      port_(port),
      extra_args_(std::move(extra_args)),
      log_path_(data_dir_ + ".log") {}

NodeProcess::NodeProcess(std::string data_dir, std::uint16_t port, NodeLaunch launch)
    : data_dir_(std::move(data_dir)),
      port_(port),
      launch_(std::move(launch)),
      log_path_(data_dir_ + ".log") {}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) kill9();
}

std::string NodeProcess::endpoint() const {
  return "tcp://127.0.0.1:" + std::to_string(port_);
}

std::string NodeProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return log_offset_ < all.size() ? all.substr(log_offset_) : std::string();
}

void NodeProcess::spawn() {
  {
    std::ifstream in(log_path_, std::ios::ate);
    log_offset_ = in ? static_cast<std::size_t>(in.tellg()) : 0;
  }
  std::vector<std::string> args;
  if (launch_) {
    args = launch_->prefix;
    args.push_back(DESASTER_BIN);
    args.insert(args.end(), launch_->args.begin(), launch_->args.end());
    args.insert(args.end(), {"-d", data_dir_});
  } else {
    args = {DESASTER_BIN, "-s", "-a", "127.0.0.1", "-p", std::to_string(port_), "-d", data_dir_};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  }
  pid_ = fork();
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
}

bool NodeProcess::start() {
  spawn();
  bool up = wait_until([&] {
    if (log().find(" listening: ") != std::string::npos) return true;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  });
  return up && pid_ > 0;
}

int NodeProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int status = 0;
  bool exited = wait_until([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!exited) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -SIGKILL;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

void NodeProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int NodeProcess::terminate(std::chrono::milliseconds timeout) {
  signal(SIGTERM);
  return wait_exit(timeout);
}

void NodeProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::chrono::milliseconds NodeProcess::cpu_time() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after ')'.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  long ticks = sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((utime + stime) * 1000 / static_cast<unsigned long long>(ticks));
}

CommandResult run_command(const std::vector<std::string>& argv_in,
                          std::chrono::milliseconds timeout) {
  TempDir dir;
  std::string out_path = dir.path() + "/out", err_path = dir.path() + "/err";
  pid_t pid = fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT, 0644);
    int null = ::open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<std::string> args = argv_in;
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  CommandResult result;
  int status = 0;
  bool exited = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!exited) {
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

}  // namespace desaster::test
