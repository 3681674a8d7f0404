#pragma once
// `--demo`: the demo users alice, bob, carol, dave and erin (password 1234) and the rooms general and random,
// created if missing. Blocking: start-up only.
#include "store/store.hpp"

namespace parley::app {

core::Result<core::Unit> create_demo_data(store::Store& store);

}  // namespace parley::app
