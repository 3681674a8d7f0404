#pragma once
// Lazy<C>: a standard container that costs one pointer until it first holds something — for state that is
// almost always empty, such as a connection's messages waiting behind a gap or a join's replay (per room and
// connection), or its direct conversations (per connection: an empty std::map is 48 bytes). It offers the members room order uses, with C's own iterators (an empty Lazy iterates one
// shared empty C, which nothing ever modifies), and gives its storage back once erase() empties it.
// Thread safety: as C's; distinct Lazy objects are independent.
#include <cstddef>
#include <memory>
#include <utility>

namespace parley::chat {

template <class C>
class Lazy {
 public:
  using value_type = typename C::value_type;
  using iterator = typename C::iterator;
  using const_iterator = typename C::const_iterator;

  bool empty() const { return !c_ || c_->empty(); }
  size_t size() const { return c_ ? c_->size() : 0; }
  iterator begin() { return get().begin(); }
  iterator end() { return get().end(); }
  const_iterator begin() const { return get().begin(); }
  const_iterator end() const { return get().end(); }
  template <class Key>
  iterator find(const Key& key) { return get().find(key); }

  void push_back(value_type value) { make().push_back(std::move(value)); }
  template <class... Args>
  auto emplace(Args&&... args) { return make().emplace(std::forward<Args>(args)...); }
  template <class Key, class... Args>
  auto try_emplace(Key&& key, Args&&... args) {
    return make().try_emplace(std::forward<Key>(key), std::forward<Args>(args)...);
  }
  // Erases the element at `it` (from this Lazy's begin()/find()); frees the storage when none is left.
  void erase(iterator it) {
    c_->erase(it);
    if (c_->empty()) c_.reset();
  }
  void clear() { c_.reset(); }

 private:
  C& make() {
    if (!c_) c_ = std::make_unique<C>();
    return *c_;
  }
  C& get() const {
    static C none;
    return c_ ? *c_ : none;
  }

  std::unique_ptr<C> c_;
};

}  // namespace parley::chat
