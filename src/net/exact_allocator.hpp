#pragma once
// ExactAllocator: plain operator new/delete for the handlers of long-lived per-connection waits (an idle
// connection's read wait). Asio's default recycling allocator hands such an operation whatever block a
// finished one left in the thread's cache — often the 720-byte block of the upgrade's HTTP write — and that
// block then stays held for the connection's whole life. Bind with boost::asio::bind_allocator.
// Thread safety: stateless.
#include <cstddef>
#include <new>

namespace parley::net {

template <class T>
struct ExactAllocator {
  using value_type = T;
  ExactAllocator() = default;
  template <class U>
  ExactAllocator(const ExactAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
  template <class U>
  bool operator==(const ExactAllocator<U>&) const noexcept { return true; }
};

}  // namespace parley::net
